"""Text messages (短信) to mobile phones, through one backend chosen by settings.

``SMS_BACKEND`` names the backend: ``console`` (the demo: the message is written to the log and to
standard output, so a newcomer reads their code in the terminal), ``outbox`` (tests: messages are
kept in ``outbox``), or ``http`` (a provider's HTTPS gateway: ``SMS_HTTP_URL`` receives a JSON POST
``{"phone", "text", "sign"}`` with ``Authorization: Bearer SMS_HTTP_TOKEN``; a non-2xx answer is an
error). Production refuses ``console`` and ``outbox`` (settings check), so codes never go nowhere.
"""

import json
import logging
import sys
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class SmsNotSent(Exception):
    """The gateway refused or could not be reached; the caller tells the user to try again."""


class ConsoleBackend:
    def send(self, message: Sms) -> None:
        logger.info("SMS to %s", message.phone[:3] + "****" + message.phone[-4:])
        print(f"[短信 → {message.phone}] {message.text}", file=sys.stdout, flush=True)


outbox: list[Sms] = []


class OutboxBackend:
    def send(self, message: Sms) -> None:
        outbox.append(message)


class HttpBackend:
    def send(self, message: Sms) -> None:
        body = json.dumps({"phone": message.phone, "text": message.text, "sign": settings.SMS_SIGN_NAME}).encode()
        request = urllib.request.Request(settings.SMS_HTTP_URL, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:
                if not 200 <= response.status < 300:
                    raise SmsNotSent(f"gateway answered {response.status}")
        except OSError as exc:  # URLError, timeouts, refused connections
            logger.warning("SMS gateway unreachable: %s", exc)
            raise SmsNotSent(str(exc)) from exc


BACKENDS = {"console": ConsoleBackend, "outbox": OutboxBackend, "http": HttpBackend}


def backend():
    name = settings.SMS_BACKEND
    if not name:
        raise SmsNotSent("no SMS gateway is configured (SMS_HTTP_URL)")
    return BACKENDS[name]() if name in BACKENDS else import_string(name)()


def sms_send(*, phone: str, text: str) -> None:
    backend().send(Sms(phone=phone, text=text))

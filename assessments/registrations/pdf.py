"""The admission ticket (准考证) as a PDF: an HTML template rendered by WeasyPrint, with the system's
CJK font embedded (subset), so the Chinese text is real, searchable and extractable text."""

from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Registration
from assessments.registrations.selectors import ticket_number


def admission_ticket_pdf(registration: Registration) -> bytes:
    """One candidate's ticket: who, which certificate and level, when and where, and the rules of
    the day. The ID number is printed in full: only the candidate and their institution get it."""
    from weasyprint import HTML

    session = registration.session
    html = render_to_string("assessments/ticket_pdf.html", {
        "registration": registration, "session": session, "person": registration.person,
        "number": ticket_number(registration), "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()

"""The admission ticket (准考证) as a PDF: an HTML template rendered by WeasyPrint, with the system's
CJK font embedded (subset), so the Chinese text is real, searchable and extractable text. A leaf:
fed with the ticket's values (``selectors.admission_ticket``), it never queries."""

from django.template.loader import render_to_string
from django.utils import timezone


def admission_ticket_pdf(ticket: dict) -> bytes:
    """One candidate's ticket: who, which certificate and level, when and where, and the rules of
    the day. The ID number is printed as given (the policy gives the ticket to the candidate and
    their institution, who see it in full)."""
    from weasyprint import HTML  # heavy (Pango, fonts): loaded on the first ticket, not at start-up

    html = render_to_string("assessments/ticket_pdf.html", {"ticket": ticket, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()

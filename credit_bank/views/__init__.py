"""Pages of the credit bank: the student's account (student.py), staff pages (staff.py), the catalog,
statistics and the public transcript page (catalog.py)."""

"""Document templates (.docx with docxtpl placeholders): their data model, rendering, and the
conversion to PDF. No database here: services/documents.py stores what this produces."""

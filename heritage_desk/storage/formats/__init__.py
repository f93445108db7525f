"""Museum exchange formats: Met-style columns, spreadsheets, LIDO, Dublin Core, IIIF."""

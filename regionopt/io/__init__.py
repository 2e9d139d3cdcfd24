"""Reading and writing files: Excel workbooks (inputs, templates, results) and safe file writes."""

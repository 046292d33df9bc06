"""Generated pages of the catalogue entries: one module per entry with ``page_data`` (the expensive numbers, stored
under ``docs/equations/data/``), ``render_page`` (Markdown) and ``recheck`` (cheap staleness check); called by
:mod:`derive.page`."""

"""A report file read into a `Document`: NFC text with an offset map, page layout and
footnotes, the section tree, header metadata and the number inventory."""

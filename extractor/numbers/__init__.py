"""Vietnamese numerals (`2.828,46 tỷ đồng`), units and scale words, and the precision a
printed figure implies. Depends on nothing else in extractor."""

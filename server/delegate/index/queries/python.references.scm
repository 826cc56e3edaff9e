; Every identifier occurrence; the parser drops definition names and trivial names.
(identifier) @reference

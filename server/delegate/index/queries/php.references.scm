(name) @reference

[(identifier) (constant)] @reference

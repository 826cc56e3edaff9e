[(identifier) (type_identifier) (field_identifier) (namespace_identifier)] @reference

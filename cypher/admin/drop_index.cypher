// name: admin_drop_index
// title: Drop one index by name
// description: Used by `ringscope db reset` after it emptied the graph; the name comes
//   from admin_schema_objects (the server's own list), passed as a parameter.
// category: admin
// mode: write
// transaction: auto
// version: 1
// param: name  -- the index's name
DROP INDEX $name IF EXISTS

// name: admin_drop_constraint
// title: Drop one constraint by name
// description: Used by `ringscope db reset` after it emptied the graph; the name comes
//   from admin_schema_objects (the server's own list), passed as a parameter.
// category: admin
// mode: write
// transaction: auto
// version: 1
// param: name  -- the constraint's name
DROP CONSTRAINT $name IF EXISTS

//! The rebuild queue, `tracebook worker` and the SQL mirror end to end: real
//! processes, real git repositories, the real Redis and PostgreSQL of the machine, and private
//! redis-server and PostgreSQL instances on spare ports for the tests that stop them.

mod e2e;
mod faults;
mod services;
mod support;

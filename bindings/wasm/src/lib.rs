//! WebAssembly bindings of Sotto (work in progress).

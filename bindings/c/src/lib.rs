//! C ABI of Sotto (work in progress).

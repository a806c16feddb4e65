"""numba options in one place: every kernel is compiled with these."""

import numba

#: cache=True keeps compiled kernels on disk (CI and the CLI pay compile time once);
#: error_model="numpy" drops Python's division checks, which the kernels make themselves.
jit = numba.njit(cache=True, nogil=True, error_model="numpy")

#: For small helpers on a kernel's hot path: inlined into their callers at compile time.
jit_inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")

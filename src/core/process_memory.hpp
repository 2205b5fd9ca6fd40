#pragma once
// How the process's allocator treats freed memory: a choice for programs (the CLI, the server,
// the benchmarks), never made by the library on its own.

namespace ocrserve {

// Each request allocates and frees buffers of several megabytes (decoded pages, tensors, score
// maps). By default glibc maps those separately and unmaps them on free, and deletes a worker
// thread's heap as soon as it is empty, so the next request faults every page in again: about
// 40 MB per OCR request, which made a served request nearly twice as slow as it needs to be.
// This keeps blocks up to 32 MB on the heap and holds up to 256 MB of free memory for reuse.
// It does not stop the heap deletion (M_TOP_PAD would): with 2 workers per model some starts
// still fault on every OCR request (docs/benchmarks.md).
// An operator who sets glibc.malloc tunables in GLIBC_TUNABLES keeps them instead.
void keep_freed_memory_for_reuse();

}  // namespace ocrserve

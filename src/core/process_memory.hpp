#pragma once
// How the process's allocator treats freed memory: a choice for programs (the CLI, the server,
// the benchmarks), never made by the library on its own.

namespace ocrserve {

// Each request allocates and frees buffers of several megabytes (decoded pages, tensors, score
// maps). By default glibc maps those separately and unmaps them on free, and deletes a worker
// thread's heap as soon as it is empty, so the next request faults every page in again: about
// 40 MB per OCR request, which made a served request nearly twice as slow as it needs to be.
// This keeps blocks up to 32 MB on the heap, holds up to 256 MB of free memory for reuse, and
// sets a 64 MB top pad: glibc deletes an emptied heap only if the one before it has room for the
// pad, and 64 MB is a whole heap, so none is deleted (before, some starts with 2 workers per model
// still faulted on every OCR request).
// An operator who sets glibc.malloc tunables in GLIBC_TUNABLES keeps them instead.
void keep_freed_memory_for_reuse();

}  // namespace ocrserve

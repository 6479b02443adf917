// jemalloc's options for the enrol binary, read when it starts (linked only
// where jemalloc is; the sanitizer builds bring their own allocator).
//
// thp:always asks for transparent huge pages on jemalloc's memory, which this
// machine's kernel gives only to memory that asks (THP "madvise"). RocksDB's
// memtables are skiplists in 8 MiB arena blocks, searched at random by every
// idempotency key and person write; with 2 MiB pages their walks miss the TLB
// far less. Tax ingest of the peer's 200k persons, 3 alternating runs: 10.98,
// 10.65 and 10.36 s without, 10.08, 9.40 and 10.02 s with. Peak RSS of a
// replay of 1,000,000 persons grows by about a tenth (README, Benchmark).
// MALLOC_CONF in the environment still overrides it.
extern "C" {
const char* malloc_conf = "thp:always";
}

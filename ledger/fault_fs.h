// FaultFs: a file system for fault tests. It wraps the machine's file system
// and, on command, fails the writes or the syncs of files whose name contains
// a given part with ENOSPC or EIO, as a full or failing disk would. Tests give
// FaultEnv::env() to the stores (EmbeddedLogOptions::env, StateStore::Open).
// Only tests link it (enrol::fault_fs).
//
// Thread-safe.
#ifndef ENROL_LEDGER_FAULT_FS_H_
#define ENROL_LEDGER_FAULT_FS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace enrol {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kNoSpace, kIoError };

  FaultFs();
  const char* Name() const override { return "FaultFs"; }

  // From now on, Append (writes) or Sync/Fsync (syncs) of files whose name
  // contains `name_part` ("" = every file) fail with `fault`; kNone heals.
  void FailWrites(Fault fault, const std::string& name_part = "");
  void FailSyncs(Fault fault, const std::string& name_part = "");
  // How many operations failed so far.
  int64_t failures() const { return failures_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;

  // The fault (or OK) for an operation on `fname`; counts a failure.
  rocksdb::IOStatus Check(const std::string& fname, bool sync);

 private:
  // The opened file, wrapped so its writes and syncs consult the rules.
  rocksdb::IOStatus Wrap(rocksdb::IOStatus opened, const std::string& fname,
                         std::unique_ptr<rocksdb::FSWritableFile> file,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  struct Rule {
    Fault fault = Fault::kNone;
    std::string name_part;
  };
  mutable absl::Mutex mu_;
  Rule writes_ ABSL_GUARDED_BY(mu_);
  Rule syncs_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> failures_{0};
};

// A FaultFs and the Env the stores take.
struct FaultEnv {
  FaultEnv();
  std::shared_ptr<FaultFs> fs;
  std::unique_ptr<rocksdb::Env> env;
};

}  // namespace enrol

#endif  // ENROL_LEDGER_FAULT_FS_H_

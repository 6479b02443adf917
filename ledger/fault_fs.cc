#include "ledger/fault_fs.h"

namespace enrol {
namespace {

class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultFs* fs, std::string name)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->Check(name_, /*sync=*/false);
    return s.ok() ? target()->Append(data, options, dbg) : s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->Check(name_, /*sync=*/false);
    return s.ok() ? target()->Append(data, options, info, dbg) : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->Check(name_, /*sync=*/true);
    return s.ok() ? target()->Sync(options, dbg) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->Check(name_, /*sync=*/true);
    return s.ok() ? target()->Fsync(options, dbg) : s;
  }

 private:
  FaultFs* fs_;
  std::string name_;
};

}  // namespace

FaultFs::FaultFs() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFs::FailWrites(Fault fault, const std::string& name_part) {
  absl::MutexLock lock(&mu_);
  writes_ = {fault, name_part};
}

void FaultFs::FailSyncs(Fault fault, const std::string& name_part) {
  absl::MutexLock lock(&mu_);
  syncs_ = {fault, name_part};
}

rocksdb::IOStatus FaultFs::Check(const std::string& fname, bool sync) {
  Rule rule;
  {
    absl::MutexLock lock(&mu_);
    rule = sync ? syncs_ : writes_;
  }
  if (rule.fault == Fault::kNone || fname.find(rule.name_part) == std::string::npos) {
    return rocksdb::IOStatus::OK();
  }
  ++failures_;
  return rule.fault == Fault::kNoSpace ? rocksdb::IOStatus::NoSpace("injected: no space left on device", fname)
                                       : rocksdb::IOStatus::IOError("injected: input/output error", fname);
}

rocksdb::IOStatus FaultFs::Wrap(rocksdb::IOStatus opened, const std::string& fname,
                                std::unique_ptr<rocksdb::FSWritableFile> file,
                                std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (opened.ok()) *result = std::make_unique<FaultFile>(std::move(file), this, fname);
  return opened;
}

rocksdb::IOStatus FaultFs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->NewWritableFile(fname, options, &file, dbg);
  return Wrap(s, fname, std::move(file), result);
}

rocksdb::IOStatus FaultFs::ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->ReopenWritableFile(fname, options, &file, dbg);
  return Wrap(s, fname, std::move(file), result);
}

FaultEnv::FaultEnv() : fs(std::make_shared<FaultFs>()), env(rocksdb::NewCompositeEnv(fs)) {}

}  // namespace enrol

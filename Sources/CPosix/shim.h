// POSIX and Linux calls that Swift's Glibc module does not import.
#ifndef SWAPSYNC_CPOSIX_SHIM_H
#define SWAPSYNC_CPOSIX_SHIM_H

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/falloc.h>
#include <sys/syscall.h>
#endif

/// fallocate(2) with FALLOC_FL_KEEP_SIZE: allocates `length` bytes from `offset` without changing
/// the file's size, so that later writes there cannot fail for lack of space. Declared by glibc
/// only under _GNU_SOURCE (and not imported into Swift), hence the system call. Returns 0, or -1
/// with errno set (EOPNOTSUPP where the file system or the platform has no such call).
static inline int swapsync_fallocate_keep_size(int fd, long long offset, long long length) {
#if defined(__linux__) && defined(SYS_fallocate)
  return (int)syscall(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
#else
  (void)fd; (void)offset; (void)length;
  errno = EOPNOTSUPP;
  return -1;
#endif
}

/// renameat2(2) with RENAME_EXCHANGE (`exchange` true: both names must exist, and they swap
/// atomically) or RENAME_NOREPLACE (fails with EEXIST when `newpath` exists). Through the system
/// call, as glibc declares renameat2 only under _GNU_SOURCE. Returns 0, or -1 with errno set
/// (EINVAL or ENOSYS where the file system or the kernel cannot do it).
static inline int swapsync_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                                     int exchange) {
#if defined(__linux__) && defined(SYS_renameat2)
  return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, exchange ? (1 << 1) : (1 << 0));
#else
  (void)olddirfd; (void)oldpath; (void)newdirfd; (void)newpath; (void)exchange;
  errno = ENOSYS;
  return -1;
#endif
}

#endif

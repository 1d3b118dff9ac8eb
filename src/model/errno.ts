// Errno names the model returns, as the case format prints them (a minus sign and the name).
// Values from include/uapi/asm-generic/errno-base.h and errno.h, for the step explanations.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  E2BIG: 7,
  ENOMEM: 12,
  EACCES: 13,
  ENOTTY: 25,
  EOVERFLOW: 75,
  EDEADLOCK: 35,
  EINTR: 4,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** What userspace's strerror() prints for each errno the model returns. */
export const STRERROR: Record<ErrnoName, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  E2BIG: 'Argument list too long',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  ENOTTY: 'Inappropriate ioctl for device',
  EOVERFLOW: 'Value too large for defined data type',
  EDEADLOCK: 'Resource deadlock avoided',
  EINTR: 'Interrupted system call',
};

/** A failed kernel return value as printed in cases: "-EINVAL". */
export type Errno = `-${ErrnoName}`;

export function isErrno(v: unknown): v is Errno {
  return typeof v === 'string' && v.startsWith('-E') && v.slice(1) in ERRNO;
}

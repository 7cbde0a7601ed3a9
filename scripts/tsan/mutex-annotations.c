// ThreadSanitizer annotations for Swift's Synchronization.Mutex on Linux, preloaded by scripts/sanitizers.
//
// Mutex.withLock is inlined into the caller, so its uncontended lock and unlock are atomics that TSan sees.
// Under contention it calls _MutexHandle._lockSlow and _unlockSlow in libswiftSynchronization.so, which is
// not instrumented: TSan then misses that the lock was handed over and reports every access under it as a
// race. These wrappers call the real functions and tell TSan about the acquire (after the lock is taken)
// and the release (before it is given up), on the handle's address, where the inlined fast path's atomics
// also operate. Accesses outside the lock are still reported.
//
// The __tsan_* functions are weak: in processes without TSan (swift-build, the compiler) the wrappers only
// forward to the real functions.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>

__attribute__((weak)) void __tsan_acquire(void *address);
__attribute__((weak)) void __tsan_release(void *address);

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

typedef __attribute__((swiftcall)) void (*lock_slow_function)(uint32_t, void *__attribute__((swift_context)));
typedef __attribute__((swiftcall)) void (*unlock_slow_function)(void *__attribute__((swift_context)));

// _MutexHandle._lockSlow(_: UInt32): self (the handle's address) travels in the Swift context register.
__attribute__((swiftcall)) void $s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF(
    uint32_t owner, void *__attribute__((swift_context)) handle) {
    static lock_slow_function real;
    if (!real) real = (lock_slow_function)dlsym(RTLD_NEXT, LOCK_SLOW);
    real(owner, handle);
    if (__tsan_acquire) __tsan_acquire(handle);
}

// _MutexHandle._unlockSlow()
__attribute__((swiftcall)) void $s15Synchronization12_MutexHandleV11_unlockSlowyyF(
    void *__attribute__((swift_context)) handle) {
    static unlock_slow_function real;
    if (!real) real = (unlock_slow_function)dlsym(RTLD_NEXT, UNLOCK_SLOW);
    if (__tsan_release) __tsan_release(handle);
    real(handle);
}

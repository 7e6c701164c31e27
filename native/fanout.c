// One payload to many TCP sockets in one call: the broadcast write of src/ws/tcp-write.ts
// (`writeToEach`). `send(fds, count, data, results)` writes `data` to fds[0..count) without ever
// blocking and puts each socket's outcome in results: the bytes the kernel took (possibly fewer
// than asked), or -errno (-EAGAIN: none). With io_uring, a batch of up to 256 sends is one system
// call (IORING_OP_SEND, MSG_DONTWAIT); without it (an old kernel, a seccomp filter, the sysctl
// kernel.io_uring_disabled) or with `oneByOne`, one send(2) each; `mode` says whether there is a
// ring. Every send has completed, one way or the other, when `send` returns: the caller may write
// again at once, and bytes keep their order.
#define _GNU_SOURCE
#include <node_api.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES 256
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

/** One ring per Node environment (main thread or worker), kept as the addon's instance data. */
struct ring {
  int fd;
  /** 0, or -errno when there is no ring (then every send is a send(2)). */
  int error;
  unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
};

static int ring_setup (struct ring *ring) {
#ifdef IORING_SETUP_SUBMIT_ALL
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  // SUBMIT_ALL: a send that fails at submission (a closed fd) does not leave the rest unsubmitted.
  p.flags = IORING_SETUP_SUBMIT_ALL;
  int fd = (int)syscall(__NR_io_uring_setup, ENTRIES, &p);
  if (fd < 0) return -errno;
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  int single = p.features & IORING_FEAT_SINGLE_MMAP;
  if (single && cq_size > sq_size) sq_size = cq_size;
  char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  char *cq = single ? sq : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
    close(fd);
    return -ENOMEM;
  }
  ring->sq_head = (unsigned *)(sq + p.sq_off.head);
  ring->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  ring->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  ring->sq_array = (unsigned *)(sq + p.sq_off.array);
  ring->cq_head = (unsigned *)(cq + p.cq_off.head);
  ring->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  ring->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  ring->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  ring->sqes = sqes;
  ring->fd = fd;
  return 0;
#else
  return -ENOSYS;
#endif
}

static void send_each (const int32_t *fds, uint32_t count, const void *data, size_t len, int32_t *results) {
  for (uint32_t i = 0; i < count; i++) {
    ssize_t r = send(fds[i], data, len, SEND_FLAGS);
    results[i] = r < 0 ? -errno : (int32_t)r;
  }
}

/** Gives up the ring: later sends go one by one. */
static void ring_abandon (struct ring *ring, int err) {
  close(ring->fd);
  ring->fd = -1;
  ring->error = err;
}

/**
 * One batch of at most ENTRIES sends through the ring. Every result starts as -EIO, "not known":
 * it stays so only if the ring fails while a send is in flight (the caller then ends that
 * connection rather than risk writing its bytes twice). A send the kernel never took from the
 * ring is -ECANCELED: nothing was written, the caller writes it another way.
 */
static void send_ring (struct ring *ring, const int32_t *fds, uint32_t n, const void *data, size_t len, int32_t *results) {
  const unsigned start = *ring->sq_tail;
  unsigned tail = start;
  for (uint32_t j = 0; j < n; j++, tail++) {
    unsigned slot = tail & *ring->sq_mask;
    struct io_uring_sqe *sqe = &ring->sqes[slot];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_SEND;
    sqe->fd = fds[j];
    sqe->addr = (uint64_t)(uintptr_t)data;
    sqe->len = (uint32_t)len;
    sqe->msg_flags = SEND_FLAGS;
    sqe->user_data = j;
    ring->sq_array[slot] = slot;
    results[j] = -EIO;
  }
  atomic_store_explicit((_Atomic unsigned *)ring->sq_tail, tail, memory_order_release);
  uint32_t wanted = n, completed = 0;
  int failures = 0;
  while (completed < wanted) {
    unsigned taken = atomic_load_explicit((_Atomic unsigned *)ring->sq_head, memory_order_acquire) - start;
    int r = (int)syscall(__NR_io_uring_enter, ring->fd, wanted - taken, wanted - completed, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0 && errno != EINTR) {
      int err = -errno;
      taken = atomic_load_explicit((_Atomic unsigned *)ring->sq_head, memory_order_acquire) - start;
      if (taken < wanted) {
        // The kernel left these in the ring: take them back, unsent, so no later call submits them.
        for (uint32_t j = taken; j < wanted; j++) results[j] = -ECANCELED;
        atomic_store_explicit((_Atomic unsigned *)ring->sq_tail, start + taken, memory_order_release);
        wanted = taken;
      }
      if (++failures > 3) {
        ring_abandon(ring, err);
        return;
      }
    }
    unsigned head = *ring->cq_head;
    unsigned end = atomic_load_explicit((_Atomic unsigned *)ring->cq_tail, memory_order_acquire);
    for (; head != end; head++, completed++) {
      struct io_uring_cqe *cqe = &ring->cqes[head & *ring->cq_mask];
      if (cqe->user_data < n) results[cqe->user_data] = cqe->res;
    }
    atomic_store_explicit((_Atomic unsigned *)ring->cq_head, head, memory_order_release);
  }
}

static napi_value throw_type (napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/** send(fds: Int32Array, count: number, data: Buffer, results: Int32Array, oneByOne?: boolean): void */
static napi_value Send (napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  struct ring *ring;
  if (napi_get_cb_info(env, info, &argc, args, NULL, (void **)&ring) != napi_ok || argc < 4) return throw_type(env, "send(fds, count, data, results)");
  napi_typedarray_type fd_type, result_type;
  size_t fd_length, result_length, offset, len;
  void *fds, *results, *data;
  napi_value backing;
  uint32_t count;
  if (napi_get_typedarray_info(env, args[0], &fd_type, &fd_length, &fds, &backing, &offset) != napi_ok || fd_type != napi_int32_array) return throw_type(env, "fds must be an Int32Array");
  if (napi_get_value_uint32(env, args[1], &count) != napi_ok) return throw_type(env, "count must be a number");
  if (napi_get_buffer_info(env, args[2], &data, &len) != napi_ok) return throw_type(env, "data must be a Buffer");
  if (napi_get_typedarray_info(env, args[3], &result_type, &result_length, &results, &backing, &offset) != napi_ok || result_type != napi_int32_array) return throw_type(env, "results must be an Int32Array");
  if (count > fd_length || count > result_length || len > INT32_MAX) return throw_type(env, "count exceeds fds or results, or data is too large");
  bool one_by_one = false;
  if (argc >= 5 && napi_get_value_bool(env, args[4], &one_by_one) != napi_ok) return throw_type(env, "oneByOne must be a boolean");
  for (uint32_t base = 0; base < count; base += ENTRIES) {
    uint32_t n = count - base < ENTRIES ? count - base : ENTRIES;
    if (ring->fd >= 0 && !one_by_one) send_ring(ring, (int32_t *)fds + base, n, data, len, (int32_t *)results + base);
    else send_each((int32_t *)fds + base, n, data, len, (int32_t *)results + base);
  }
  return NULL;
}

static void ring_free (napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct ring *ring = data;
  if (ring->fd >= 0) close(ring->fd);
  free(ring);
}

static napi_value Init (napi_env env, napi_value exports) {
  struct ring *ring = calloc(1, sizeof *ring);
  if (ring == NULL) return NULL;
  ring->fd = -1;
  ring->error = ring_setup(ring);
  napi_set_instance_data(env, ring, ring_free, NULL);
  napi_value fn, mode, error;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, Send, ring, &fn);
  napi_set_named_property(env, exports, "send", fn);
  // Read once, at load: a ring given up later (see ring_abandon) is not reported here.
  napi_create_string_utf8(env, ring->fd >= 0 ? "io_uring" : "send", NAPI_AUTO_LENGTH, &mode);
  napi_set_named_property(env, exports, "mode", mode);
  napi_create_int32(env, ring->error, &error);
  napi_set_named_property(env, exports, "ringError", error);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

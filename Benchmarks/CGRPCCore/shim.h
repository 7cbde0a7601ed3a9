// gRPC core's C API (libgrpc-dev, 1.51 in Debian 12) and the few helpers the prototype's Swift side uses,
// so that Swift never builds a grpc_op union or walks a byte buffer's slices itself.
#ifndef PRESCALE_CGRPCCORE_SHIM_H
#define PRESCALE_CGRPCCORE_SHIM_H

// The C library first: gRPC's port_platform.h defines _GNU_SOURCE before its own system includes, which
// would give this module a different fd_set than the Swift Glibc module's if it came first.
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

/// One outstanding call of one registered method: requested, then answered, then recycled. Its address
/// is the completion-queue tag of both steps.
typedef struct pgc_slot {
    int kind;  // always 0: a slot (batches of the transport mode start with kind 2)
    void *method;
    int method_index;
    int responding;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array metadata;
    grpc_byte_buffer *payload;
    grpc_byte_buffer *response;
    int cancelled;
} pgc_slot;

static inline pgc_slot *pgc_slot_create(void *method, int method_index) {
    pgc_slot *slot = (pgc_slot *)calloc(1, sizeof(pgc_slot));
    slot->method = method;
    slot->method_index = method_index;
    grpc_metadata_array_init(&slot->metadata);
    return slot;
}

/// Asks the server for the next call of the slot's method; completes on `cq` with the slot as tag.
static inline grpc_call_error pgc_slot_request(grpc_server *server, grpc_completion_queue *cq, pgc_slot *slot) {
    slot->responding = 0;
    slot->cancelled = 0;
    return grpc_server_request_registered_call(
        server, slot->method, &slot->call, &slot->deadline, &slot->metadata, &slot->payload, cq, cq, slot);
}

/// The request message's length in bytes, or -1 without a message.
static inline long pgc_slot_length(const pgc_slot *slot) {
    return slot->payload == NULL ? -1 : (long)grpc_byte_buffer_length(slot->payload);
}

/// Copies the request message into `destination`; its length, or -1 without a message or when it is
/// longer than `capacity`.
static inline long pgc_slot_read(pgc_slot *slot, uint8_t *destination, size_t capacity) {
    if (slot->payload == NULL) return -1;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, slot->payload)) return -1;
    grpc_slice slice;
    size_t length = 0;
    long result = 0;
    while (grpc_byte_buffer_reader_next(&reader, &slice)) {
        size_t part = GRPC_SLICE_LENGTH(slice);
        if (result == 0 && length + part <= capacity) {
            memcpy(destination + length, GRPC_SLICE_START_PTR(slice), part);
            length += part;
        } else {
            result = -1;
        }
        grpc_slice_unref(slice);
    }
    grpc_byte_buffer_reader_destroy(&reader);
    return result < 0 ? -1 : (long)length;
}

/// Starts one batch on `call` with `tag`: initial metadata (when `initial`), a message (when `length` >= 0;
/// its buffer is left in `*message` for the caller to destroy after completion), and the status with its
/// details and the close (when `status` >= 0).
static inline grpc_call_error pgc_send(
    grpc_call *call, void *tag, grpc_byte_buffer **message, int *cancelled, int initial, const uint8_t *bytes, long length,
    int status, const char *details) {
    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t count = 0;
    if (initial) {
        ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
        count++;
    }
    if (length >= 0) {
        grpc_slice slice = grpc_slice_from_copied_buffer((const char *)bytes, (size_t)length);
        *message = grpc_raw_byte_buffer_create(&slice, 1);
        grpc_slice_unref(slice);
        ops[count].op = GRPC_OP_SEND_MESSAGE;
        ops[count].data.send_message.send_message = *message;
        count++;
    }
    grpc_slice text = details != NULL ? grpc_slice_from_copied_string(details) : grpc_empty_slice();
    if (status >= 0) {
        ops[count].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
        ops[count].data.send_status_from_server.status = (grpc_status_code)status;
        ops[count].data.send_status_from_server.status_details = details != NULL ? &text : NULL;
        count++;
        ops[count].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
        ops[count].data.recv_close_on_server.cancelled = cancelled;
        count++;
    }
    grpc_call_error error = grpc_call_start_batch(call, ops, count, tag, NULL);
    grpc_slice_unref(text);
    return error;
}

/// Answers the call in one batch (direct mode): initial metadata, the message (status OK only), the
/// status and its details, and the close; completes with the slot as tag.
static inline grpc_call_error pgc_slot_respond(
    pgc_slot *slot, const uint8_t *bytes, size_t length, grpc_status_code status, const char *details) {
    slot->responding = 1;
    return pgc_send(
        slot->call, slot, &slot->response, &slot->cancelled, 1, bytes, status == GRPC_STATUS_OK ? (long)length : -1,
        (int)status, details);
}

/// Releases what the finished call held, so that the slot can be requested again.
static inline void pgc_slot_finish(pgc_slot *slot) {
    if (slot->payload != NULL) grpc_byte_buffer_destroy(slot->payload);
    if (slot->response != NULL) grpc_byte_buffer_destroy(slot->response);
    if (slot->call != NULL) grpc_call_unref(slot->call);
    grpc_metadata_array_destroy(&slot->metadata);
    grpc_metadata_array_init(&slot->metadata);
    slot->payload = NULL;
    slot->response = NULL;
    slot->call = NULL;
}

/// The call's deadline as milliseconds from now, or -1 without one.
static inline long pgc_slot_timeout_ms(const pgc_slot *slot) {
    if (gpr_time_cmp(slot->deadline, gpr_inf_future(slot->deadline.clock_type)) == 0) return -1;
    gpr_timespec now = gpr_now(slot->deadline.clock_type);
    long ms = (long)gpr_time_to_millis(gpr_time_sub(slot->deadline, now));
    return ms < 0 ? 0 : ms;
}

/// Takes the call out of the slot after its message was read (the caller now holds the call's reference);
/// the slot can then be requested again.
static inline grpc_call *pgc_slot_take_call(pgc_slot *slot) {
    grpc_call *call = slot->call;
    slot->call = NULL;
    if (slot->payload != NULL) grpc_byte_buffer_destroy(slot->payload);
    slot->payload = NULL;
    grpc_metadata_array_destroy(&slot->metadata);
    grpc_metadata_array_init(&slot->metadata);
    return call;
}

/// One batch of the transport mode: its address is the completion-queue tag; `context` is the Swift side's.
typedef struct pgc_batch {
    int kind;  // always 2
    void *context;
    int cancelled;
    grpc_byte_buffer *message;
} pgc_batch;

static inline pgc_batch *pgc_batch_create(void *context) {
    pgc_batch *batch = (pgc_batch *)calloc(1, sizeof(pgc_batch));
    batch->kind = 2;
    batch->context = context;
    return batch;
}

static inline void pgc_batch_destroy(pgc_batch *batch) {
    if (batch->message != NULL) grpc_byte_buffer_destroy(batch->message);
    free(batch);
}

/// Starts one batch of the transport mode on `call`, with the batch as tag (see ``pgc_send``).
static inline grpc_call_error pgc_batch_send(
    grpc_call *call, pgc_batch *batch, int initial, const uint8_t *bytes, long length, int status, const char *details) {
    return pgc_send(call, batch, &batch->message, &batch->cancelled, initial, bytes, length, status, details);
}

/// Listens on `address` in plaintext; the bound port, or 0 on failure.
static inline int pgc_add_insecure_port(grpc_server *server, const char *address) {
    grpc_server_credentials *credentials = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(server, address, credentials);
    grpc_server_credentials_release(credentials);
    return port;
}

/// SIGTERM and SIGINT as bytes on a pipe, whichever thread they are delivered to (the Swift runtime may
/// start threads before `main` could block them).
static int pgc_signal_pipe[2] = {-1, -1};
static void pgc_on_signal(int number) {
    char byte = (char)number;
    ssize_t written = write(pgc_signal_pipe[1], &byte, 1);
    (void)written;
}
static inline void pgc_catch_termination(void) {
    if (pipe(pgc_signal_pipe) != 0) return;
    signal(SIGTERM, pgc_on_signal);
    signal(SIGINT, pgc_on_signal);
}
/// Blocks until SIGTERM or SIGINT has arrived.
static inline void pgc_wait_for_termination(void) {
    char byte;
    while (read(pgc_signal_pipe[0], &byte, 1) < 0) {}
}

static inline gpr_timespec pgc_forever(void) { return gpr_inf_future(GPR_CLOCK_REALTIME); }

#endif

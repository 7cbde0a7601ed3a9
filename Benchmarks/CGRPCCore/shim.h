// gRPC core's C API (libgrpc-dev, 1.51 in Debian 12) and the few helpers the prototype's Swift side uses,
// so that Swift never builds a grpc_op union or walks a byte buffer's slices itself.
#ifndef PRESCALE_CGRPCCORE_SHIM_H
#define PRESCALE_CGRPCCORE_SHIM_H

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// One outstanding call of one registered method: requested, then answered, then recycled. Its address
/// is the completion-queue tag of both steps.
typedef struct pgc_slot {
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

/// Answers the call in one batch: initial metadata, the message (status OK only), the status and its
/// details, and the close; completes on the call's queue with the slot as tag.
static inline grpc_call_error pgc_slot_respond(
    pgc_slot *slot, const uint8_t *bytes, size_t length, grpc_status_code status, const char *details) {
    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t count = 0;
    ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
    count++;
    if (status == GRPC_STATUS_OK) {
        grpc_slice message = grpc_slice_from_copied_buffer((const char *)bytes, length);
        slot->response = grpc_raw_byte_buffer_create(&message, 1);
        grpc_slice_unref(message);
        ops[count].op = GRPC_OP_SEND_MESSAGE;
        ops[count].data.send_message.send_message = slot->response;
        count++;
    }
    grpc_slice text = details != NULL ? grpc_slice_from_copied_string(details) : grpc_empty_slice();
    ops[count].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[count].data.send_status_from_server.status = status;
    ops[count].data.send_status_from_server.status_details = details != NULL ? &text : NULL;
    count++;
    ops[count].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[count].data.recv_close_on_server.cancelled = &slot->cancelled;
    count++;
    slot->responding = 1;
    grpc_call_error error = grpc_call_start_batch(slot->call, ops, count, slot, NULL);
    grpc_slice_unref(text);
    return error;
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

/// Listens on `address` in plaintext; the bound port, or 0 on failure.
static inline int pgc_add_insecure_port(grpc_server *server, const char *address) {
    grpc_server_credentials *credentials = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(server, address, credentials);
    grpc_server_credentials_release(credentials);
    return port;
}

static inline gpr_timespec pgc_forever(void) { return gpr_inf_future(GPR_CLOCK_REALTIME); }

#endif

// librdkafka (Debian librdkafka-dev 2.0.2), including the mock cluster used by tests and the demo.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

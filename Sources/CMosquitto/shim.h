// libmosquitto (Debian libmosquitto-dev 2.0.11): the MQTT client library, with MQTT v5 properties.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>

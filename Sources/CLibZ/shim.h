// The system zlib, for its CRC-32 (the ZIP checksum). ZIPFoundation keeps its own zlib module
// internal, and on Linux it checks entries with a byte-at-a-time CRC.
#include <zlib.h>

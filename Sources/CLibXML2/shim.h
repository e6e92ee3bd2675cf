// libxml2 for Swift. Debian builds libxml2 with ICU; its headers then clash with
// Foundation's own ICU module, so ICU is switched off before the other headers
// (safe: Swift never copies an xmlCharEncodingHandler by value).
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

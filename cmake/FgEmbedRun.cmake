# Script mode helper of FgEmbed.cmake: IN, OUT, SYM.
file(READ ${IN} hex HEX)
file(SIZE ${IN} size)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n\t" bytes "${bytes}")
file(WRITE ${OUT} "/* generated from ${IN}; do not edit */\n#include <stddef.h>\n"
	"extern const unsigned char ${SYM}[];\nextern const size_t ${SYM}_len;\n"
	"const unsigned char ${SYM}[] = {\n\t${bytes}0x00 };\n"
	"const size_t ${SYM}_len = ${size};\n")

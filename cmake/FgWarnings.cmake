# Compiler flags shared by every target of the project.
set(FG_WARNING_FLAGS
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-Wformat=2 -Wvla -Wpointer-arith -Wcast-qual -Wundef
	-Wno-unused-parameter)
if(FG_WERROR)
	list(APPEND FG_WARNING_FLAGS -Werror)
endif()

set(FG_SANITIZE_FLAGS)
if(FG_SANITIZE)
	set(FG_SANITIZE_FLAGS -fsanitize=address,undefined
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer)
	add_compile_definitions(FG_SANITIZE=1)
endif()

if(FG_FUZZ)
	# coverage for libFuzzer in every target; fuzzers link -fsanitize=fuzzer
	list(APPEND FG_SANITIZE_FLAGS -fsanitize=fuzzer-no-link,address,undefined
		-fno-omit-frame-pointer)
endif()

# fg_target_defaults(TARGET): warnings, sanitizers, the repository root as
# include directory ("render/yaml.h"), and the _GNU_SOURCE-free POSIX level.
function(fg_target_defaults target)
	target_compile_options(${target} PRIVATE ${FG_WARNING_FLAGS}
		${FG_SANITIZE_FLAGS})
	target_link_options(${target} PRIVATE ${FG_SANITIZE_FLAGS})
	target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L)
	target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# The rooms of DESIGN.md are enforced by the build: code in render/ and sync/
# reaches the network and Git only through ports that agent/ implements, so
# those targets cannot include libgit2 or libcurl.
#
# Two layers make a wrong include fail with a clear message:
#  - cmake/forbidden/ shadows <git2.h>, <git2/*.h> and <curl/curl.h> with
#    headers that #error (searched before the system directories);
#  - cmake/room-inward.h, forced into every translation unit of those rooms,
#    poisons the core identifiers of both libraries, which catches any
#    header path the stubs do not shadow.
set(FG_FORBIDDEN_DIR ${PROJECT_SOURCE_DIR}/cmake/forbidden)
set(FG_ROOM_INWARD_FLAGS -I${FG_FORBIDDEN_DIR}
	-include ${PROJECT_SOURCE_DIR}/cmake/room-inward.h)

function(fg_inward_room target)
	target_compile_options(${target} PRIVATE ${FG_ROOM_INWARD_FLAGS})
endfunction()

#error "render/ and the sync core must not include libcurl: the network lives behind ports (see DESIGN.md, rooms)"

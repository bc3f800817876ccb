#error "render/ and the sync core must not include libgit2: Git lives in agent/ (see DESIGN.md, rooms)"

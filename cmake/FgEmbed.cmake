# fg_embed(OUTPUT SYMBOL FILE): write OUTPUT, a C file defining
#   const unsigned char SYMBOL[];  const size_t SYMBOL_len;
# with FILE's bytes followed by a NUL (not counted in _len). For small data
# files read at run time (config schemas); regenerated when FILE changes.
function(fg_embed output symbol file)
	add_custom_command(OUTPUT ${output}
		COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${output}
			-DSYM=${symbol} -P ${PROJECT_SOURCE_DIR}/cmake/FgEmbedRun.cmake
		DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/FgEmbedRun.cmake
		COMMENT "Embedding ${file}")
endfunction()

# embed_text.cmake: write a C file defining `const char NAME[]` as the text of file IN.
# Run as a script: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed_text.cmake
# Used for src/backend/cpu/tg_vmath.h, which generated kernels paste in by text.
file(READ "${IN}" text)
# Escape for a C string literal: backslashes first, then quotes, then '?' (so that no
# trigraph can form in ISO C mode); each line becomes its own literal, "...\n".
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "?" "\\?" text "${text}")
string(REPLACE "\t" "\\t" text "${text}")
string(REPLACE "\n" "\\n\"\n  \"" text "${text}")
get_filename_component(src_name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
  "/* Generated from ${src_name} by cmake/embed_text.cmake: do not edit. */\n"
  "extern const char ${NAME}[];\n"
  "const char ${NAME}[] =\n  \"${text}\";\n")
# Replace the output only when it changed, so dependents do not rebuild needlessly.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")

# Copies every Markdown file under SRC to the same relative path under DST.
file(GLOB_RECURSE docs RELATIVE ${SRC} ${SRC}/*.md)
foreach(doc ${docs})
  get_filename_component(dir ${DST}/${doc} DIRECTORY)
  file(COPY ${SRC}/${doc} DESTINATION ${dir})
endforeach()

# virtio_image_check.cmake - CHECK_SCRIPT of the virtio_devices test
# (run_guest.cmake includes it after the run).
#
# After the Guest wrote sector 1 and flushed, the image file itself must
# hold what it wrote - 16 lines "virtio_devices sector 1 line NN\n" of 32
# bytes - with sector 0 and sectors 2 to 7 as virtio_image_setup.cmake
# left them, and the file still 4096 bytes long.

set(_lg_image "")
foreach(_lg_arg IN LISTS args)
  if(_lg_arg MATCHES "^--block=([^,]+)(,ro)?$")
    set(_lg_image "${CMAKE_MATCH_1}")
  endif()
endforeach()

set(_lg_sector1 "")
foreach(_lg_line RANGE 0 15)
  if(_lg_line LESS 10)
    set(_lg_line "0${_lg_line}")
  endif()
  string(APPEND _lg_sector1 "virtio_devices sector 1 line ${_lg_line}\n")
endforeach()
string(REPEAT "0123456789abcdef" 32 _lg_sector0)
string(REPEAT "-" 3072 _lg_rest)

# One read and substrings (file(READ ... LIMIT) of CMake 3.25 gave 513 bytes).
file(SIZE "${_lg_image}" _lg_size)
if(NOT _lg_size EQUAL 4096)
  string(APPEND failures "  ${_lg_image} is ${_lg_size} bytes, not 4096\n")
  return()
endif()
file(READ "${_lg_image}" _lg_image_data)
string(SUBSTRING "${_lg_image_data}" 0 512 _lg_got0)
string(SUBSTRING "${_lg_image_data}" 512 512 _lg_got1)
string(SUBSTRING "${_lg_image_data}" 1024 -1 _lg_got_rest)
if(NOT _lg_got0 STREQUAL _lg_sector0)
  string(APPEND failures "  ${_lg_image}: sector 0 changed\n")
endif()
if(NOT _lg_got1 STREQUAL _lg_sector1)
  string(APPEND failures "  ${_lg_image}: sector 1 does not hold what the Guest wrote:\n${_lg_got1}\n")
else()
  message("${_lg_image}: sector 1 holds the Guest's 16 lines")
endif()
if(NOT _lg_got_rest STREQUAL _lg_rest)
  string(APPEND failures "  ${_lg_image}: sectors 2-7 changed\n")
endif()

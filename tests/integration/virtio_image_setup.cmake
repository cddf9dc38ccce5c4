# virtio_image_setup.cmake - SETUP_SCRIPT of the virtio Guests' tests
# (run_guest.cmake includes it before the run).
#
# Writes the disk image named by lguest-emu's --block=FILE[,ro] argument
# afresh: 8 sectors of 512 bytes, sector 0 "0123456789abcdef" 32 times,
# sectors 1 to 7 all '-'.  guests/virtio/virtio_devices.c checks sector 0
# and that sector 1 is all '-' before it writes it.

set(_lg_image "")
foreach(_lg_arg IN LISTS args)
  if(_lg_arg MATCHES "^--block=([^,]+)(,ro)?$")
    set(_lg_image "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(NOT _lg_image)
  message(FATAL_ERROR "virtio_image_setup.cmake: no --block=FILE among the arguments")
endif()

string(REPEAT "0123456789abcdef" 32 _lg_sector0)
string(REPEAT "-" 3584 _lg_rest)
file(WRITE "${_lg_image}" "${_lg_sector0}${_lg_rest}")

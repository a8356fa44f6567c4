#===- cmake/AddOptim.cmake - OptimMLIR's libraries ---------------*- cmake -*-===#
#
# add_optim_library(name ...) takes add_mlir_library's arguments. It installs
# the library into OptimMLIR's own export set, OptimMLIRTargets, which
# OptimMLIRConfig.cmake loads, rather than into MLIR's (upstream's
# add_mlir_library exports every library as part of MLIR). An installed
# target is named as the library, MLIR's convention, and carries the
# installed include directory.
#
#===----------------------------------------------------------------------===#
include(GNUInstallDirs)

function(add_optim_library name)
  add_mlir_library(${ARGV} DISABLE_INSTALL)
  target_include_directories(${name} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ${name}
    EXPORT OptimMLIRTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

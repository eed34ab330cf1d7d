#!/bin/sh
# Runs a GUI test: on the display in $DISPLAY when there is one, otherwise under a fresh Xvfb (xvfb-run -a) with a
# 24-bit 1920x1080 screen (xvfb-run's default 8-bit 640x480 screen has no usable OpenGL visual).
if [ -n "${DISPLAY:-}" ]; then
  exec "$@"
fi
exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$@"

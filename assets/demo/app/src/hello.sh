#!/bin/sh
# Prints who we are; run at build time as a self-test and as the image's command.
echo "app $(cat /etc/target-arch) ($(uname -m)): $(cat /etc/greeting)"

#!/bin/sh
echo "gateway listening on :8080 ($(uname -m))"
exec httpd -f -p 8080 -h /var/www -c /etc/httpd.conf

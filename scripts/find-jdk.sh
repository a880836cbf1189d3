# Finds a JDK 25. Sourced (POSIX sh) by ./txring, docker/image-context and the mailspool
# launcher (the mail-spool build copies this file beside it), so the rule lives in one place.
#   java_major JAVA   prints the feature version of that java binary, or nothing
#   find_jdk TOOL     prints JAVA_HOME if its bin/TOOL exists and its java is 25 or later,
#                     else the first such home in /usr/lib/jvm; fails if there is none.
#                     TOOL: java to run, javac to build, jlink to make a runtime.

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 25 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return 0
  fi
  for _find_jdk_home in /usr/lib/jvm/*; do
    if [ -x "$_find_jdk_home/bin/$1" ] && [ "$(java_major "$_find_jdk_home/bin/java")" -ge 25 ] 2>/dev/null; then
      echo "$_find_jdk_home"; return 0
    fi
  done
  return 1
}

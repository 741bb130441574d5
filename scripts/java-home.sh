# Sourced by banger's scripts: points JAVA_HOME at a Java 25 or newer.
# Order: an existing JAVA_HOME that is new enough, then /usr/lib/jvm/*, then java on PATH.
# Build scripts need a JDK (javac); the installed launchers set BANGER_JAVA_RUNTIME_ONLY=1
# and accept a JRE. Prints nothing on success; on failure says what it looked at and returns 1.

banger_java_major() {
  # "25.0.3" -> 25 ; old style "1.8.0" -> 8. The JDK's release file says it without starting a
  # JVM (every banger command runs this; a JVM start here would double the CLI's start-up time).
  local v=""
  if [ -r "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
  fi
  if [ -z "$v" ]; then
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}')
  fi
  case "$v" in 1.*) v=${v#1.} ;; esac
  echo "${v%%.*}"
}

banger_find_java_home() {
  local want=25 c major
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    [ -n "${BANGER_JAVA_RUNTIME_ONLY:-}" ] || [ -x "$c/bin/javac" ] || continue
    major=$(banger_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge "$want" ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  echo "banger: no Java $want or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, java on PATH); install one, e.g. apt-get install temurin-25-jdk" >&2
  return 1
}

if BANGER_JAVA_HOME=$(banger_find_java_home); then
  export JAVA_HOME="$BANGER_JAVA_HOME"
else
  return 1 2>/dev/null || exit 1
fi

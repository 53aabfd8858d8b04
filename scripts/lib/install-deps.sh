# Installs the Debian packages the build and tests need, when missing.
# Sourced by scripts/test.sh and scripts/run-example.sh.

# Build: libyaml and libcurl headers, pkg-config; tests: cc (fixtures),
# binutils (nm, readelf), openssl (test CA), python3 (test servers), and the
# real servers and clients of the end-to-end tests: docker-registry (CNCF
# distribution), podman (the docker-compatible CLI), skopeo (the judge),
# apache2-utils (htpasswd), git (git job sources).
BUILD_PACKAGES=(libyaml-dev libcurl4-openssl-dev zlib1g-dev pkg-config gcc binutils openssl python3 python3-venv
                docker-registry podman skopeo apache2-utils git)

install_build_deps() {
    local missing=()
    for pkg in "${BUILD_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    # The Rust example plugin is built with rustc alone (no cargo, no crates):
    # a rustup toolchain if there is one, else Debian's.
    [ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
    command -v rustc >/dev/null 2>&1 || missing+=(rustc)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> apt-get install ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

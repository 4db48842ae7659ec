# Plinth: one build for the UEFI application, its images and its tests.
# `make help` lists the targets.  Everything third-party comes from Debian
# packages at build time and is cached under $(BUILD).

BUILD ?= build
VERSION := 0.1.0
GITREV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# ---------------------------------------------------------------------------
# Dependencies (make deps)
# ---------------------------------------------------------------------------
DEB_PACKAGES := gcc make binutils libc6-dev gnu-efi newlib-source dpkg-dev \
	ovmf qemu-system-x86 bochs bochsbios vgabios bochs-term \
	mtools dosfstools gdisk busybox-static cpio xz-utils python3 \
	clang libclang-rt-14-dev curl python3-prometheus-client chromium \
	e2fsprogs debootstrap openssh-client iperf3 clang-format cppcheck \
	fonts-spleen
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_ENV := env DEBIAN_FRONTEND=noninteractive

NEWLIB_VERSION := 3.3.0
NEWLIB_TARBALL := /usr/src/newlib/newlib-$(NEWLIB_VERSION).tar.xz
NEWLIB := $(BUILD)/newlib
NEWLIB_STAMP := $(NEWLIB)/.installed
NEWLIB_INC := $(NEWLIB)/x86_64-elf/include
NEWLIB_LIB := $(NEWLIB)/x86_64-elf/lib

LWIP_VERSION := 2.1.3
LWIP_SRC := $(BUILD)/src/lwip-$(LWIP_VERSION)+dfsg1
LWIP_STAMP := $(LWIP_SRC)/.unpacked

PKG_STAMP := $(BUILD)/deps/packages.stamp
DEPS := $(PKG_STAMP) $(NEWLIB_STAMP) $(LWIP_STAMP)

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------
# Found recursively: a file moved to a new folder stays in the link.
# (net/lwip/ holds only lwIP's port headers.)
find_srcs = $(shell find $(1) -name '$(2)' 2>/dev/null | LC_ALL=C sort)
BOOT_SRCS := $(call find_srcs,boot,*.c)
CORE_SRCS := $(call find_srcs,hv arch drivers net virtio,*.c)
ASM_SRCS := $(call find_srcs,arch,*.S)

LWIP_CORE := $(wildcard $(LWIP_SRC)/src/core/*.c) \
	$(wildcard $(LWIP_SRC)/src/core/ipv4/*.c) \
	$(LWIP_SRC)/src/netif/ethernet.c

O := $(BUILD)/obj
BOOT_OBJS := $(BOOT_SRCS:%.c=$(O)/%.o)
CORE_OBJS := $(CORE_SRCS:%.c=$(O)/%.o) $(ASM_SRCS:%.S=$(O)/%.o)
LWIP_OBJS = $(patsubst $(LWIP_SRC)/%.c,$(O)/lwip/%.o,$(LWIP_CORE))

GCC_INC := $(shell gcc -print-file-name=include)
LIBGCC := $(shell gcc -print-libgcc-file-name)

COMMON_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-Wmissing-prototypes -Wshadow -ffreestanding \
	-fno-stack-protector -fno-stack-check -mno-red-zone \
	-fno-omit-frame-pointer -fno-strict-aliasing -MMD -MP -I.
# boot/: GNU-EFI's conventions (2-byte wchar_t, MS ABI calls).  Only these
# objects see EFI headers, and never newlib's.
BOOT_CFLAGS := $(COMMON_CFLAGS) -fpic -fshort-wchar -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -I/usr/include/efi -I/usr/include/efi/x86_64
# The core: newlib's headers, position independent because the EFI loader
# applies only R_X86_64_RELATIVE relocations.
CORE_CFLAGS := $(COMMON_CFLAGS) -fPIC -fvisibility=hidden -nostdinc \
	-isystem $(NEWLIB_INC) -isystem $(GCC_INC) -I$(LWIP_SRC)/src/include \
	-Inet/lwip -DPLINTH_VERSION='"$(VERSION)"' -DPLINTH_GITREV='"$(GITREV)"'
LWIP_CFLAGS := $(filter-out -Werror -Wextra -Wmissing-prototypes -Wshadow,\
	$(CORE_CFLAGS)) -Wno-address

# The management server's status page, compiled in as a C array.
PAGE_C := $(BUILD)/gen/mgmt_page.c
PAGE_O := $(O)/gen/mgmt_page.o
CORE_OBJS += $(PAGE_O)

# The screen console's font, converted from Debian's fonts-spleen
# (drivers/font.h).
FONT_PSF := /usr/share/consolefonts/spleen-8x16.psfu.gz
FONT_C := $(BUILD)/gen/font.c
FONT_O := $(O)/gen/font.o
CORE_OBJS += $(FONT_O)

EFI := $(BUILD)/plinth.efi
SO := $(BUILD)/plinth.so

# ---------------------------------------------------------------------------
# Host tests
# ---------------------------------------------------------------------------
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_TESTS := config_file config_values palloc logring log_guest fmt gmem uart decode decode_cache \
	page_walk acpi_build_tables acpi_build_dsdt \
	loader_format loader_bzimage loader_boot loader_elf \
	lapic_regs lapic_irq lapic_timer ioapic virt_check spec_ctrl legacy rtc pm \
	pci_host virtq virtq_split_chains virtq_split_events \
	virtio_blk_io virtio_blk_hardening virtio_net \
	virtio_pci_cfg virtio_pci_common e1000 switch ahci nvme http kvmclock blk_dma \
	counters lwip_heap canary acpi_fw iocore_chan fbcon apic_bus guest_cpuid bus msr smp_claim \
	pci_msi
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)
# What the tests share (tests/support/): check.h's counters (linked into
# every test), log_msg() keeping what it is given, the driver side of the
# virtqueues and of the virtio PCI transport, the HBA the AHCI tests play.
CHECK_SRCS := tests/support/check.c
LOG_STUB := tests/support/log_stub.c
VQ_DRIVER := tests/support/vq_driver.c
VDEV_DRIVER := tests/support/vdev_driver.c
FAKE_HBA := tests/support/fake_hba.c
CONFIG_SRCS := hv/config/config.c hv/config/config_keys.c hv/config/config_disk.c \
	hv/config/config_value.c hv/base/fmt.c hv/base/guid.c
test_config_file_SRCS := $(CONFIG_SRCS) tests/support/config_fixture.c
test_config_values_SRCS := $(CONFIG_SRCS) tests/support/config_fixture.c
test_palloc_SRCS := hv/base/palloc.c
test_logring_SRCS := hv/base/logring.c
test_log_guest_SRCS := hv/base/log.c hv/base/logring.c hv/base/fmt.c
test_fmt_SRCS := hv/base/fmt.c
test_gmem_SRCS := hv/guest/gmem.c
test_uart_SRCS := hv/platform/uart.c
test_decode_SRCS := arch/x86/decode.c
test_decode_cache_SRCS := arch/x86/decode.c arch/x86/decode_cache.c
test_page_walk_SRCS := arch/x86/page_walk.c hv/guest/gmem.c
ACPI_SRCS := hv/guest/acpi_build.c hv/guest/aml.c
test_acpi_build_tables_SRCS := $(ACPI_SRCS) tests/support/acpi_fixture.c
test_acpi_build_dsdt_SRCS := $(ACPI_SRCS) tests/support/acpi_fixture.c
# The guest kernel loader, for its tests and its fuzz target.
LOADER_SRCS := hv/guest/loader.c hv/guest/loader_bzimage.c \
	hv/guest/loader_elf.c hv/guest/loader_flat.c hv/guest/gmem.c hv/base/fmt.c
test_loader_format_SRCS := $(LOADER_SRCS) tests/support/loader_fixture.c
test_loader_bzimage_SRCS := $(LOADER_SRCS) tests/support/loader_fixture.c
test_loader_boot_SRCS := $(LOADER_SRCS) tests/support/loader_fixture.c
test_loader_elf_SRCS := $(LOADER_SRCS) tests/support/loader_fixture.c
LAPIC_SRCS := hv/platform/lapic.c hv/platform/lapic_post.c \
	hv/platform/apic_bus.c hv/guest/gmem.c
test_lapic_regs_SRCS := $(LAPIC_SRCS) tests/support/lapic_fixture.c
test_lapic_irq_SRCS := $(LAPIC_SRCS) tests/support/lapic_fixture.c
test_lapic_timer_SRCS := $(LAPIC_SRCS) tests/support/lapic_fixture.c
test_ioapic_SRCS := hv/platform/ioapic.c $(LAPIC_SRCS)
test_apic_bus_SRCS := $(LAPIC_SRCS)
test_bus_SRCS := hv/platform/bus.c
test_apic_bus_CFLAGS := -pthread
test_virt_check_SRCS := arch/x86/virt_check.c hv/base/fmt.c
test_spec_ctrl_SRCS := arch/x86/spec_ctrl.c
test_legacy_SRCS := hv/platform/legacy.c hv/platform/iobus.c hv/platform/bus.c $(LOG_STUB)
test_rtc_SRCS := hv/platform/rtc.c
test_kvmclock_SRCS := hv/platform/kvmclock.c hv/guest/gmem.c $(LOG_STUB)
test_pm_SRCS := hv/platform/pm.c hv/platform/iobus.c hv/platform/bus.c $(LOG_STUB)
test_pci_host_SRCS := hv/platform/pci_host.c hv/platform/iobus.c hv/platform/bus.c hv/platform/mmiobus.c \
	$(LOG_STUB)
# The virtio device models with what they reach: guest memory, the PCI bus.
VIRTIO_SRCS := virtio/virtio_pci.c virtio/virtio_pci_common.c virtio/virtq.c \
	virtio/virtq_split.c \
	hv/platform/pci_host.c hv/guest/gmem.c \
	hv/platform/mmiobus.c hv/platform/iobus.c hv/platform/bus.c \
	hv/base/counters.c hv/base/fmt.c hv/counters.c
test_e1000_SRCS := drivers/e1000_ring.c $(LOG_STUB)
test_pci_msi_SRCS := drivers/pci.c hv/base/fmt.c $(LOG_STUB)
test_ahci_SRCS := drivers/ahci_io.c drivers/ata.c drivers/gpt_part.c hv/base/fmt.c hv/base/guid.c \
	$(FAKE_HBA) $(LOG_STUB)
test_ahci_CFLAGS := -DAHCI_TEST_HBA
test_nvme_SRCS := drivers/nvme_io.c drivers/nvme_prp.c tests/support/fake_nvme.c $(LOG_STUB)
test_nvme_CFLAGS := -DNVME_TEST_CTRL
test_switch_SRCS := net/switch.c $(LOG_STUB)
test_lwip_heap_SRCS := net/lwip_heap.c
test_canary_SRCS := hv/base/canary.c $(LOG_STUB)
test_acpi_fw_SRCS := drivers/acpi.c $(ACPI_SRCS)
test_http_SRCS := net/http.c
test_counters_SRCS := hv/base/counters.c hv/base/stats.c hv/base/fmt.c \
	$(LOG_STUB)
# The screen console with the font the build converts.
test_fbcon_SRCS := drivers/fbcon.c $(FONT_C)
# Two real threads, the vCPU's core and the I/O core.
test_iocore_chan_SRCS := hv/run/iocore_chan.c
test_guest_cpuid_SRCS := hv/run/guest_cpuid.c
test_msr_SRCS := hv/run/msr.c hv/run/guest_cpuid.c hv/platform/kvmclock.c \
	arch/x86/spec_ctrl.c $(LAPIC_SRCS) $(LOG_STUB)
test_iocore_chan_CFLAGS := -pthread
test_smp_claim_SRCS := arch/x86/smp_claim.c
test_smp_claim_CFLAGS := -pthread
test_virtq_SRCS := virtio/virtq.c virtio/virtq_split.c hv/guest/gmem.c \
	$(VQ_DRIVER) $(LOG_STUB)
test_virtq_split_chains_SRCS := virtio/virtq.c virtio/virtq_split.c \
	hv/guest/gmem.c tests/support/virtq_split_fixture.c $(VQ_DRIVER) \
	$(LOG_STUB)
test_virtq_split_events_SRCS := $(test_virtq_split_chains_SRCS)
VIRTIO_BLK_SRCS := virtio/virtio_blk.c drivers/ramdisk.c $(VIRTIO_SRCS)
test_virtio_blk_io_SRCS := $(VIRTIO_BLK_SRCS) \
	tests/support/virtio_blk_fixture.c $(VQ_DRIVER) $(VDEV_DRIVER) $(LOG_STUB)
test_virtio_blk_hardening_SRCS := $(test_virtio_blk_io_SRCS)
VIRTIO_NET_SRCS := virtio/virtio_net.c $(VIRTIO_SRCS)
test_virtio_net_SRCS := $(VIRTIO_NET_SRCS) \
	$(VQ_DRIVER) $(VDEV_DRIVER) $(LOG_STUB)
test_blk_dma_SRCS := virtio/virtio_blk.c drivers/ahci_io.c drivers/ata.c $(VIRTIO_SRCS) \
	$(FAKE_HBA) $(VQ_DRIVER) $(VDEV_DRIVER) $(LOG_STUB)
test_blk_dma_CFLAGS := -DAHCI_TEST_HBA
VIRTIO_PCI_SRCS := virtio/virtio_blk.c virtio/virtio_net.c \
	drivers/ramdisk.c $(VIRTIO_SRCS)
test_virtio_pci_cfg_SRCS := $(VIRTIO_PCI_SRCS) \
	tests/support/virtio_pci_fixture.c $(LOG_STUB)
test_virtio_pci_common_SRCS := $(test_virtio_pci_cfg_SRCS)

# libFuzzer targets (tests/fuzz/), built with clang under ASan and UBSan.
# `make fuzz` runs each for FUZZ_TIME seconds, one after the other, with
# its corpus and any crash reproducer kept in $(BUILD)/fuzz/.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_TIME ?= 300
FUZZ_TARGETS := loader virtq virtio_blk virtio_net pci_cfg http \
	decode config gpt ahci nvme e1000 platform net_path
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
fuzz_loader_SRCS := $(LOADER_SRCS)
# The unit tests' product sources and the log stub.
fuzz_virtq_SRCS := $(VIRTIO_SRCS) $(LOG_STUB)
fuzz_virtio_blk_SRCS := $(VIRTIO_BLK_SRCS) $(LOG_STUB)
fuzz_virtio_net_SRCS := $(VIRTIO_NET_SRCS) $(LOG_STUB)
fuzz_pci_cfg_SRCS := $(VIRTIO_PCI_SRCS) $(LOG_STUB)
fuzz_http_SRCS := net/http.c
fuzz_decode_SRCS := arch/x86/decode.c arch/x86/decode_cache.c \
	arch/x86/page_walk.c hv/guest/gmem.c
fuzz_config_SRCS := $(CONFIG_SRCS)
fuzz_gpt_SRCS := drivers/gpt_part.c hv/base/fmt.c
# The AHCI engine against the unit tests' HBA, built as test_ahci is.
fuzz_ahci_SRCS := drivers/ahci_io.c drivers/ata.c hv/base/fmt.c $(FAKE_HBA) \
	$(LOG_STUB)
fuzz_ahci_CFLAGS := -DAHCI_TEST_HBA
# The NVMe engine against the unit tests' controller, built as test_nvme is.
fuzz_nvme_SRCS := drivers/nvme_io.c drivers/nvme_prp.c tests/support/fake_nvme.c \
	$(LOG_STUB)
fuzz_nvme_CFLAGS := -DNVME_TEST_CTRL
fuzz_e1000_SRCS := drivers/e1000_ring.c $(LOG_STUB)
fuzz_platform_SRCS := $(LAPIC_SRCS) hv/platform/ioapic.c \
	hv/platform/legacy.c hv/platform/iobus.c hv/platform/bus.c $(LOG_STUB)
# virtio-net over the frame switch over the e1000 rings; the target sees
# each buffer the device marks used (vq_push) on its way to the ring.
fuzz_net_path_SRCS := net/switch.c drivers/e1000_ring.c $(VIRTIO_NET_SRCS) \
	$(LOG_STUB)
fuzz_net_path_LDFLAGS := -Wl,--wrap=vq_push

# plinth-check-config (tools/check_config.c): plinth.cfg and the files it
# names checked on this host, by the sources Plinth itself runs.
CHECK_CONFIG := $(BUILD)/plinth-check-config
CHECK_CONFIG_SRCS := tools/check_config.c hv/config/config_check.c \
	hv/guest/memmap.c $(sort $(CONFIG_SRCS) $(LOADER_SRCS))

IMAGE := $(BUILD)/plinth.img
GUEST_DIR := $(BUILD)/guest
GUEST_STAMP := $(GUEST_DIR)/.built
# make image and make run: the demo guest, or GUEST=debian for the Debian
# system (make distro) with its root file system on a partition of its own.
GUEST ?= demo
DISTRO := $(BUILD)/distro
DISTRO_STAMP := $(DISTRO)/.built
DEBIAN_IMAGE := $(BUILD)/plinth-debian.img

.PHONY: all deps run test unit bench image guest distro clean distclean help FORCE \
	format check-config
all: $(EFI)

help:
	@echo 'Plinth $(VERSION) build targets:'
	@echo '  make          build $(EFI) (installs what is missing first)'
	@echo '  make deps     install Debian packages, fetch lwIP source, build newlib'
	@echo '  make image    build $(IMAGE): GPT disk with ESP, plinth.cfg, demo guest'
	@echo '  make image GUEST=debian'
	@echo '                build $(DEBIAN_IMAGE): the same with the Debian system, its root on a second partition'
	@echo '  make image CONFIG=my.cfg KERNEL=vmlinuz [INITRD=initrd.img] [DISK=disk.img] [OUT=file]'
	@echo '                your own appliance ($(BUILD)/appliance.img unless OUT): Plinth, your plinth.cfg,'
	@echo '                and each file where your plinth.cfg names it, checked first by plinth-check-config'
	@echo '  make check-config CONFIG=plinth.cfg [ESP=dir] [KERNEL=...] [INITRD=...] [DISK=...]'
	@echo '                check a plinth.cfg and the files it names (on a stick mounted at ESP, or'
	@echo '                the files given) as Plinth would at boot, with the same messages'
	@echo '  make guest    fetch the Debian kernel and build the demo initramfs'
	@echo '  make distro   build the Debian system guest (debootstrap; kernels 6.1 and 6.12)'
	@echo '  make run      boot the demo image for you: console here, a shell in the guest, the'
	@echo '                management API on a local port (URL and token printed); QEMU/KVM where'
	@echo '                the host has nested VT-x or AMD-V, else QEMU with emulated AMD-V'
	@echo '  make run GUEST=debian'
	@echo '                the same with the Debian system (login root, password plinth)'
	@echo '  make test     build everything and run the whole test suite'
	@echo '  make unit     the source checks (layering, sizes, format, cppcheck) and host unit tests'
	@echo '  make format   lay the product code out as .clang-format says (make test checks it)'
	@echo '  make bench    figures: exit costs, virtio-blk and copies under Bochs; AHCI and NVMe vs dd, the guest on AMD-V vs self-tests, the host CPU an idle guest costs, its vCPUs vs QEMU and on VT-x under Bochs'
	@echo '  make fuzz     run each libFuzzer target for FUZZ_TIME seconds (default 300)'
	@echo '  make clean    remove Plinth objects (keeps newlib, lwIP and the guest)'
	@echo '  make distclean  remove $(BUILD) entirely'

# ---------------------------------------------------------------------------
deps: $(DEPS)

$(PKG_STAMP): Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		$(SUDO) apt-get update -q && \
		$(SUDO) $(APT_ENV) apt-get install -y -q $$missing || exit 1; \
	fi
	@mkdir -p $(@D)
	@dpkg-query -W $(DEB_PACKAGES) > $@
	@echo "deps: Debian packages present (versions in $@)"

# lwIP comes as Debian source.  `apt-get source` needs a deb-src entry: add
# one mirroring the binary sources when the system has none.
$(LWIP_STAMP): | $(PKG_STAMP)
	@if [ -z "$$(apt-cache showsrc lwip 2>/dev/null)" ]; then \
		echo "deps: adding a deb-src entry for apt-get source"; \
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then \
			sed 's/^Types:.*/Types: deb-src/' \
			/etc/apt/sources.list.d/debian.sources | \
			$(SUDO) tee /etc/apt/sources.list.d/plinth-deb-src.sources >/dev/null; \
		else \
			grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | \
			$(SUDO) tee /etc/apt/sources.list.d/plinth-deb-src.list >/dev/null; \
		fi; \
		$(SUDO) apt-get update -q || exit 1; \
	fi
	@mkdir -p $(BUILD)/src
	cd $(BUILD)/src && apt-get source -q lwip
	@test -d $(LWIP_SRC)/src/core || { echo "deps: expected lwIP $(LWIP_VERSION) in $(LWIP_SRC); Debian now ships:"; ls $(BUILD)/src; exit 1; }
	@touch $@

# newlib for a freestanding x86-64 target, built from Debian's
# newlib-source.  Its tarball unpacks to newlib-salsa/.
$(NEWLIB_STAMP): | $(PKG_STAMP)
	@test -f $(NEWLIB_TARBALL) || { echo "deps: $(NEWLIB_TARBALL) missing; Debian's newlib-source is not $(NEWLIB_VERSION)"; exit 1; }
	rm -rf $(BUILD)/newlib-src $(BUILD)/newlib-build $(NEWLIB)
	mkdir -p $(BUILD)/newlib-src $(BUILD)/newlib-build
	tar -xf $(NEWLIB_TARBALL) -C $(BUILD)/newlib-src
	cd $(BUILD)/newlib-build && ../newlib-src/newlib-salsa/configure \
		--prefix=$(abspath $(NEWLIB)) --target=x86_64-elf \
		--disable-multilib --disable-nls --disable-newlib-supplied-syscalls \
		--enable-newlib-io-long-long --enable-newlib-io-c99-formats \
		CC_FOR_TARGET="gcc -nostdinc -isystem $(GCC_INC)" \
		AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld \
		RANLIB_FOR_TARGET=ranlib NM_FOR_TARGET=nm \
		OBJCOPY_FOR_TARGET=objcopy OBJDUMP_FOR_TARGET=objdump \
		STRIP_FOR_TARGET=strip READELF_FOR_TARGET=readelf \
		CFLAGS_FOR_TARGET="-O2 -g -ffreestanding -fPIC -mno-red-zone -fno-stack-protector -fno-asynchronous-unwind-tables" \
		> ../newlib-configure.log 2>&1 || { tail -20 ../newlib-configure.log; exit 1; }
	$(MAKE) -C $(BUILD)/newlib-build -j$$(nproc) all-target-newlib > $(BUILD)/newlib-make.log 2>&1 || { tail -30 $(BUILD)/newlib-make.log; exit 1; }
	$(MAKE) -C $(BUILD)/newlib-build install-target-newlib >> $(BUILD)/newlib-make.log 2>&1 || { tail -30 $(BUILD)/newlib-make.log; exit 1; }
	rm -rf $(BUILD)/newlib-src $(BUILD)/newlib-build
	@touch $@

# ---------------------------------------------------------------------------
# plinth.efi
# ---------------------------------------------------------------------------
$(O)/boot/%.o: boot/%.c | $(PKG_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(BOOT_CFLAGS) -c $< -o $@

$(O)/%.o: %.c | $(DEPS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(CORE_CFLAGS) -c $< -o $@

# The revision the boot log names: version.o is rebuilt when it changes
# (a commit, or the tree going dirty or clean), which its source alone
# would never tell make.
GITREV_STAMP := $(O)/gitrev
$(GITREV_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(GITREV)' | cmp -s - $@ || echo '$(GITREV)' > $@
$(O)/hv/base/version.o: $(GITREV_STAMP)
FORCE:

$(O)/%.o: %.S | $(DEPS)
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@gcc $(CORE_CFLAGS) -c $< -o $@

$(O)/lwip/%.o: $(LWIP_SRC)/%.c | $(DEPS)
	@mkdir -p $(@D)
	@echo "  CC      lwip/$*.c"
	@gcc $(LWIP_CFLAGS) -c $< -o $@

$(PAGE_C): net/mgmt_page.html
	@mkdir -p $(@D)
	@python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
		print("#include <stddef.h>\nconst char mgmt_page[] = {"); \
		print(",".join(str(b) for b in d) + ",0};"); \
		print("const size_t mgmt_page_len = %d;" % len(d))' $< > $@

$(FONT_C): tools/psf2c.py drivers/font.h | $(PKG_STAMP)
	@mkdir -p $(@D)
	python3 tools/psf2c.py $(FONT_PSF) > $@.tmp && mv $@.tmp $@

$(FONT_O): $(FONT_C) | $(DEPS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(CORE_CFLAGS) -c $< -o $@

$(PAGE_O): $(PAGE_C) | $(DEPS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(CORE_CFLAGS) -c $< -o $@

# The list of lwIP sources exists only once `make deps` has unpacked them,
# after this Makefile was read: a sub-make evaluates it afresh.
LWIP_HEADERS := net/lwip/lwipopts.h net/lwip/arch/cc.h
$(BUILD)/liblwip.a: $(LWIP_STAMP) $(LWIP_HEADERS)
	@$(MAKE) --no-print-directory lwip-archive

.PHONY: lwip-archive
lwip-archive: $(LWIP_OBJS)
	@test -n "$(LWIP_OBJS)" || { echo "lwIP sources missing in $(LWIP_SRC)"; exit 1; }
	@rm -f $(BUILD)/liblwip.a && ar rcs $(BUILD)/liblwip.a $(LWIP_OBJS)

$(LWIP_OBJS): $(LWIP_HEADERS)

# libefi's init.o (always linked: it holds InitializeLib) defines memcpy and
# memset as byte loops; a copy with those symbols weak lets hv/libc/string.c's
# fast-string versions win.  libefi still comes before libc.
$(BUILD)/libefi.a: /usr/lib/libefi.a | $(PKG_STAMP)
	@objcopy --weaken-symbol=memcpy --weaken-symbol=memset $< $@

# gnu-efi's library arrives with its Debian package: on a fresh machine it
# exists only once $(PKG_STAMP) has run, and without this rule make stops
# at once ("No rule to make target") instead of installing it first.
/usr/lib/libefi.a: | $(PKG_STAMP)
	@test -f $@ || { echo "deps: $@ missing: gnu-efi did not install it"; exit 1; }

# The largest zeroed object the image may hold (see the rule below).
MAX_ZEROED := 32768
# After the link, check that the EFI loader will be able to relocate the
# image: gnu-efi applies R_X86_64_RELATIVE only.
$(SO): $(BOOT_OBJS) $(CORE_OBJS) $(BUILD)/liblwip.a $(BUILD)/libefi.a linker.ld
	@echo "  LD      $@"
	@ld -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		-T linker.ld /usr/lib/crt0-efi-x86_64.o $(BOOT_OBJS) $(CORE_OBJS) \
		$(BUILD)/liblwip.a $(BUILD)/libefi.a /usr/lib/libgnuefi.a \
		-L$(NEWLIB_LIB) -lc \
		$(LIBGCC) -o $@
	@bad=$$(readelf -rW $@ | awk '/R_X86_64_/ && $$3 != "R_X86_64_RELATIVE" {print $$3}' | sort -u); \
	if [ -n "$$bad" ]; then echo "$@: relocations the EFI loader cannot apply:" $$bad; rm -f $@; exit 1; fi
	@# The EFI link folds .bss into .data: a large zeroed table would be
	@# zeroes in plinth.efi.  Such tables come from the pool.
	@big=$$(nm -S -t d $(BOOT_OBJS) $(CORE_OBJS) | awk '$$3 ~ /^[bB]$$/ && $$2 + 0 > $(MAX_ZEROED) { print $$4 "(" $$2 + 0 " bytes)" }'); \
	if [ -n "$$big" ]; then echo "$@: zeroed objects over $(MAX_ZEROED) bytes, which would be zeroes in the file; take them from the pool:" $$big; rm -f $@; exit 1; fi

$(EFI): $(SO)
	@objcopy -j .text -j .rodata -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@
	@echo "built $@ ($$(stat -c %s $@) bytes)"

-include $(BOOT_OBJS:.o=.d) $(CORE_OBJS:.o=.d)

# ---------------------------------------------------------------------------
# Demo guest and disk image
# ---------------------------------------------------------------------------
guest: $(GUEST_STAMP)
# Every script build.sh copies in: a new one is found without a line here.
$(GUEST_STAMP): qemu-test/guest/init $(wildcard qemu-test/guest/*.sh) \
		qemu-test/guest/blkbench/blkbench.c \
		qemu-test/guest/blkverify/blkverify.c \
		qemu-test/guest/smpbench/smpbench.c \
		$(wildcard qemu-test/guest/hostile/*.c qemu-test/guest/hostile/*.h) \
		qemu-test/guest/extract-vmlinux.py \
		| $(PKG_STAMP)
	qemu-test/guest/build.sh $(GUEST_DIR)
	@touch $@

# The Debian system guest: a debootstrap root file system on ext4 and
# Debian's own kernels and initrds (qemu-test/distro/build.sh, as root or
# through sudo).  Cached: `rm -r $(DISTRO)` builds it afresh.
distro: $(DISTRO_STAMP)
$(DISTRO_STAMP): qemu-test/distro/build.sh qemu-test/distro/plinth-workload \
		qemu-test/distro/20-ethernet.network | $(PKG_STAMP)
	SUDO=$(SUDO) qemu-test/distro/build.sh $(DISTRO)

# The flat bench guest (kernel_format = flat), entered at 1 MiB in long mode.
BENCH_GUEST := $(BUILD)/guest/bench.bin
$(BENCH_GUEST): qemu-test/guest/bench/bench.c qemu-test/guest/bench/bench.ld \
		arch/x86/cx16_check.h arch/x86/io.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic \
		-fno-pie -no-pie -nostdlib -static -mno-red-zone \
		-mgeneral-regs-only -fno-asynchronous-unwind-tables -I. \
		-T qemu-test/guest/bench/bench.ld -Wl,--build-id=none \
		-o $(BUILD)/guest/bench.elf $<
	@objcopy -O binary $(BUILD)/guest/bench.elf $@

# A test fixture: the ACPI tables of a two-CPU machine for Bochs, whose
# firmware has none, then plinth.efi (qemu-test/guest/acpi_shim/).
ACPI_SHIM := $(BUILD)/guest/acpi_shim.efi
$(ACPI_SHIM): qemu-test/guest/acpi_shim/acpi_shim.c /usr/lib/libefi.a
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(filter-out -MMD -MP -I.,$(BOOT_CFLAGS)) -c $< \
		-o $(BUILD)/guest/acpi_shim.o
	@ld -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		-T /usr/lib/elf_x86_64_efi.lds /usr/lib/crt0-efi-x86_64.o \
		$(BUILD)/guest/acpi_shim.o /usr/lib/libefi.a \
		/usr/lib/libgnuefi.a -o $(BUILD)/guest/acpi_shim.so
	@objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 \
		$(BUILD)/guest/acpi_shim.so $@

# make image CONFIG=plinth.cfg KERNEL=... [INITRD=...] [DISK=...] [OUT=...]:
# an operator's own appliance.  The files go where the configuration
# names them, after plinth-check-config has accepted them.
APPLIANCE := $(if $(OUT),$(OUT),$(BUILD)/appliance.img)
ifneq ($(CONFIG),)
image: $(EFI) $(CHECK_CONFIG)
	python3 qemu-test/bench.py mkappliance $(APPLIANCE) $(EFI) \
		$(CHECK_CONFIG) $(CONFIG) "$(KERNEL)" "$(INITRD)" "$(DISK)"
run:
	@echo 'make run boots the demo image (GUEST=demo or debian), not CONFIG=' >&2
	@false
else ifeq ($(GUEST),debian)
image: $(DEBIAN_IMAGE)
run: $(DEBIAN_IMAGE)
	python3 qemu-test/bench.py run $(DEBIAN_IMAGE) debian
else
image: $(IMAGE)
run: $(IMAGE)
	python3 qemu-test/bench.py run $(IMAGE)
endif

$(DEBIAN_IMAGE): $(EFI) $(DISTRO_STAMP) qemu-test/bench.py \
		qemu-test/distro/plinth.cfg
	python3 qemu-test/bench.py mkdebian $@ $(EFI) qemu-test/distro/plinth.cfg

$(IMAGE): $(EFI) $(GUEST_STAMP) qemu-test/bench.py qemu-test/guest/plinth.cfg
	python3 qemu-test/bench.py mkimage $@ $(EFI) qemu-test/guest/plinth.cfg \
		$(GUEST_DIR)/vmlinuz $(GUEST_DIR)/initrd.img $(GUEST_DIR)/vmlinux

# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
# Each test binary links the sources named by test_NAME_SRCS above, in one
# compiler run.  A preprocessor pass before it writes the headers that they
# include to deps/test_NAME.d, read back below: a header edit rebuilds
# exactly the binaries that include it.  (deps/, as the runner runs every
# build/tests/test_*.)  A binary whose .d is missing is built again.
.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(test_$$*_SRCS) $(CHECK_SRCS) \
		$(BUILD)/tests/deps/test_%.d
	@mkdir -p $(@D)/deps
	@$(HOST_CC) $(HOST_CFLAGS) $(test_$*_CFLAGS) -MM -MP -MT $@ \
		$< $(test_$*_SRCS) $(CHECK_SRCS) > $(@D)/deps/$(@F).d.tmp
	@mv $(@D)/deps/$(@F).d.tmp $(@D)/deps/$(@F).d
	$(HOST_CC) $(HOST_CFLAGS) $(test_$*_CFLAGS) $< $(test_$*_SRCS) \
		$(CHECK_SRCS) -o $@

# make check-config CONFIG=plinth.cfg [ESP=dir] [KERNEL=...] [INITRD=...]
# [DISK=...]: the check alone, on a stick's files or on files to be put
# there.
check-config: $(CHECK_CONFIG)
	@test -n "$(CONFIG)" || { echo 'make check-config: CONFIG=path/plinth.cfg' >&2; false; }
	$(CHECK_CONFIG) $(if $(ESP),-C $(ESP)) $(if $(KERNEL),--kernel $(KERNEL)) \
		$(if $(INITRD),--initrd $(INITRD)) $(if $(DISK),--disk $(DISK)) \
		$(CONFIG)

$(CHECK_CONFIG): $(CHECK_CONFIG_SRCS) $(wildcard hv/config/*.h hv/guest/*.h \
		hv/base/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -I. \
		$(CHECK_CONFIG_SRCS) -o $@

# Each fuzz target links the sources named by fuzz_NAME_SRCS above, with
# fuzz_NAME_CFLAGS and fuzz_NAME_LDFLAGS where it has them; its headers
# are found as the tests' are.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_$$*_SRCS) \
		$(BUILD)/fuzz/deps/fuzz_%.d
	@mkdir -p $(@D)/deps
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(fuzz_$*_CFLAGS) -MM -MP -MT $@ \
		$< $(fuzz_$*_SRCS) > $(@D)/deps/$(@F).d.tmp
	@mv $(@D)/deps/$(@F).d.tmp $(@D)/deps/$(@F).d
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(fuzz_$*_CFLAGS) $< $(fuzz_$*_SRCS) \
		$(fuzz_$*_LDFLAGS) -o $@

$(UNIT_TESTS:%=$(BUILD)/tests/deps/test_%.d) \
$(FUZZ_TARGETS:%=$(BUILD)/fuzz/deps/fuzz_%.d): ;
-include $(wildcard $(BUILD)/tests/deps/*.d $(BUILD)/fuzz/deps/*.d)

unit: $(UNIT_BINS)
	python3 tests/runner.py --unit-only

test: $(UNIT_BINS) $(EFI) $(IMAGE) $(BENCH_GUEST) $(ACPI_SHIM) \
		$(DISTRO_STAMP) $(CHECK_CONFIG)
	python3 tests/runner.py

bench: $(EFI) $(IMAGE) $(BENCH_GUEST) $(DISTRO_STAMP)
	python3 qemu-test/benchmarks.py

# All targets run even when one fails; a crash, sanitizer report or broken
# invariant fails the whole run, its reproducer in $(BUILD)/fuzz/crash-NAME-*.
# Each target ends with a line of how many inputs it ran and how fast,
# from libFuzzer's final statistics (printed on a failure too).
.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@failed=; for t in $(FUZZ_TARGETS); do \
		d=$(BUILD)/fuzz; mkdir -p $$d/corpus-$$t; \
		echo "fuzz: $$t for $(FUZZ_TIME) s (log: $$d/$$t.log)"; \
		if $$d/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
			-print_final_stats=1 \
			-artifact_prefix=$$d/crash-$$t- $$d/corpus-$$t \
			> $$d/$$t.log 2>&1; then \
			grep -a 'DONE  *cov:' $$d/$$t.log | tail -1; \
			res="no failure"; \
		else \
			tail -40 $$d/$$t.log; failed="$$failed $$t"; \
			res="FAILED (reproducer: $$d/crash-$$t-*)"; \
		fi; \
		awk -v t="$$t" -v res="$$res" \
			'/^stat::number_of_executed_units:/ { n = $$2 } \
			/^stat::average_exec_per_sec:/ { r = $$2 } \
			END { printf "fuzz: %s: %s executions (%s/s), %s\n", \
				t, n == "" ? "?" : n, r == "" ? "?" : r, res; \
			if (n != "") printf "%s\t%s\n", t, n >> "'$$d/ledger.tsv'" }' \
			$$d/$$t.log; \
		awk -v t="$$t" '$$1 == t { s += $$2 } \
			END { printf "fuzz: %s: %d executions in all runs so far " \
				"(%s)\n", t, s, "'$$d/ledger.tsv'" }' $$d/ledger.tsv; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed"; exit 1; fi

# The product code as .clang-format lays it out (guest_regs.inc is
# assembly).  make test fails where it is not (tests/static/).
format: | $(PKG_STAMP)
	clang-format -i $(filter %.c %.h,$(BOOT_SRCS) $(CORE_SRCS) \
		$(call find_srcs,boot hv arch drivers net virtio tools,*.h) \
		$(call find_srcs,tools,*.c))

clean:
	rm -rf $(O)/boot $(O)/hv $(O)/arch $(O)/drivers $(O)/net $(O)/virtio \
		$(SO) $(EFI) $(IMAGE) $(BUILD)/tests $(BUILD)/qemu-test

distclean:
	rm -rf $(BUILD)

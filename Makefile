# Thin entry points; each target is one script.  See README.md.
S := scripts

.PHONY: demo check build tree export shell checkpatch base-check cross \
	bisect mainline mainline-table check-debug check-arm64 fuzz bench criu criu-export clean help

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## demo         build, boot and show time namespaces working, then a CRIU checkpoint and restore
demo:
	@$(S)/demo
## check        run every test; last line "N passed, N failed, N skipped"
check:
	@$(S)/check
## build        packages, tree, kernel (build/obj/vm)
build:
	@$(S)/deps && $(S)/tree && $(S)/build
## tree         create or update build/tree from patches/ (FORCE=1 drops local commits)
tree:
	@$(S)/tree
## export       write build/tree's commits back to patches/ (format-patch)
export:
	@$(S)/export
## shell        interactive guest on the last built kernel
shell:
	@VM_INTERACTIVE=1 $(S)/vm-run /bin/true
## checkpatch   checkpatch.pl --strict --codespell on every patch but the cover letter
checkpatch:
	@$(S)/checkpatch
## base-check   build the base kernel (no series) and check it has no time namespaces
base-check:
	@$(S)/base-check
## cross        object builds of the base's non-x86 files with Debian's cross compilers
cross:
	@$(S)/deps && $(S)/tree && $(S)/worktree base && \
		$(S)/cross-objects $(CURDIR)/build/worktrees/base pristine
## bisect       build every patch; boot each kernel with the base checks or its selftests
bisect:
	@$(S)/bisect
## check-debug  the whole test run on the debug kernel (KASAN, lockdep, kmemleak, UBSAN)
check-debug:
	@KFLAVOUR=debug $(S)/check
## check-arm64  the test run on arm64 (qemu-system-aarch64, TCG); last line as check's
check-arm64:
	@$(S)/check-arm64
## fuzz         trinity on the debug kernel: time syscalls, as root and as userns root
fuzz:
	@$(S)/fuzz
## mainline     build the pristine 6.12 kernel (mainline's time namespace)
mainline:
	@$(S)/worktree pristine && KFLAVOUR=mainline SRC=$(CURDIR)/build/worktrees/pristine $(S)/build
## mainline-table  check the mainline column of the hostile-input table on mainline 6.12
mainline-table:
	@$(S)/mainline-table
## bench        vDSO cost (64-bit and 32-bit) and live changes at scale against mainline 6.12: build/bench/results.md (not a test)
bench:
	@$(S)/bench
## criu         build the patched CRIU (3.17.1 + patches/criu) into build/criu
criu:
	@$(S)/criu-build
## criu-export  write build/criu/src's commits back to patches/criu (format-patch)
criu-export:
	@$(S)/criu-export
## clean        remove build/ (the ccache stays)
clean:
	rm -rf build

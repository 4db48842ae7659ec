/* Boot-time console: the firmware's ConOut and, when the firmware's
 * console does not already reach a UART, COM1 directly.  Writing both when
 * the firmware mirrors ConOut to COM1 would print every line twice. */
#include "boot/boot.h"

#include <stdarg.h>

#include "drivers/serial.h"
#include "hv/base/fmt.h"

static struct boot_info *info;
static struct serial com1;
static int conout_live;

/* Does any instance of the ConOut variable's device path end in a UART?
 * The variable is firmware data: walk it with its size as the bound. */
static int conout_has_uart(void)
{
	UINTN size = 0;
	UINT8 *var = LibGetVariableAndSize(L"ConOut", &EfiGlobalVariable,
					   &size);
	int found = 0;

	if (!var)
		return 0;
	for (UINTN off = 0; off + 4 <= size;) {
		EFI_DEVICE_PATH *n = (EFI_DEVICE_PATH *)(var + off);
		UINTN len = DevicePathNodeLength(n);

		if (len < 4 || off + len > size)
			break;
		if (DevicePathType(n) == MESSAGING_DEVICE_PATH
		    && DevicePathSubType(n) == MSG_UART_DP)
			found = 1;
		if (DevicePathType(n) == END_DEVICE_PATH_TYPE
		    && DevicePathSubType(n) == END_ENTIRE_DEVICE_PATH_SUBTYPE)
			break;
		off += len;
	}
	FreePool(var);
	return found;
}

void boot_console_init(struct boot_info *bi)
{
	info = bi;
	conout_live = 1;
	bi->fw_console_on_serial = conout_has_uart();
	/* The firmware already programmed COM1; only write to it. */
	serial_attach(&com1, bi->fw_console_on_serial ? 0 : 0x3f8);
}

void boot_console_exit_bs(void)
{
	conout_live = 0;
	/* ConOut is gone: COM1 is now the only way out, firmware or not. */
	serial_attach(&com1, 0x3f8);
}

static void conout_write(const char *s)
{
	CHAR16 wbuf[128];
	UINTN n = 0;

	for (; *s; s++) {
		if (*s == '\n')
			wbuf[n++] = L'\r';
		wbuf[n++] = (CHAR16)(unsigned char)*s;
		if (n >= 126 || !s[1]) {
			wbuf[n] = 0;
			ST->ConOut->OutputString(ST->ConOut, wbuf);
			n = 0;
		}
	}
}

void boot_log(const char *f, ...)
{
	char buf[512];
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = fmt(buf, sizeof(buf), "plinth: ");
	n += fmt_v(buf + n, sizeof(buf) - n - 1, f, ap);
	va_end(ap);
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	if (conout_live)
		conout_write(buf);
	serial_write(&com1, buf, n);
	if (info) {
		UINTN room = BOOT_LOG_MAX - info->boot_log_len;

		if (n > room)
			n = room;
		CopyMem(info->boot_log + info->boot_log_len, buf, n);
		info->boot_log_len += n;
	}
}

const char *boot_status_str(EFI_STATUS st)
{
	switch (st) {
	case EFI_SUCCESS:
		return "success";
	case EFI_LOAD_ERROR:
		return "Load Error";
	case EFI_INVALID_PARAMETER:
		return "Invalid Parameter";
	case EFI_UNSUPPORTED:
		return "Unsupported";
	case EFI_BAD_BUFFER_SIZE:
		return "Bad Buffer Size";
	case EFI_BUFFER_TOO_SMALL:
		return "Buffer Too Small";
	case EFI_NOT_READY:
		return "Not Ready";
	case EFI_DEVICE_ERROR:
		return "Device Error";
	case EFI_WRITE_PROTECTED:
		return "Write Protected";
	case EFI_OUT_OF_RESOURCES:
		return "Out of Resources";
	case EFI_VOLUME_CORRUPTED:
		return "Volume Corrupted";
	case EFI_VOLUME_FULL:
		return "Volume Full";
	case EFI_NO_MEDIA:
		return "No Media";
	case EFI_MEDIA_CHANGED:
		return "Media Changed";
	case EFI_NOT_FOUND:
		return "Not Found";
	case EFI_ACCESS_DENIED:
		return "Access Denied";
	case EFI_NO_RESPONSE:
		return "No Response";
	case EFI_TIMEOUT:
		return "Timeout";
	case EFI_ABORTED:
		return "Aborted";
	case EFI_SECURITY_VIOLATION:
		return "Security Violation";
	}
	return "unknown error";
}

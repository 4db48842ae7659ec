/* The firmware's screen, for Plinth's console after ExitBootServices:
 * the Graphics Output Protocol's current mode, if it has a framebuffer
 * Plinth can draw 32-bit pixels into (UEFI 2.9, 12.9). */
#include "boot/boot.h"

void boot_screen(struct boot_info *bi)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *m;
	struct boot_fb *fb = &bi->fb;

	if (EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop))
	    || !gop || !gop->Mode || !gop->Mode->Info) {
		boot_log("screen: none (no graphics output protocol)");
		return;
	}
	m = gop->Mode->Info;
	switch (m->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red = 0xff;
		fb->green = 0xff00;
		fb->blue = 0xff0000;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->red = 0xff0000;
		fb->green = 0xff00;
		fb->blue = 0xff;
		break;
	case PixelBitMask:
		fb->red = m->PixelInformation.RedMask;
		fb->green = m->PixelInformation.GreenMask;
		fb->blue = m->PixelInformation.BlueMask;
		break;
	default:
		boot_log("screen: the graphics mode has no framebuffer");
		return;
	}
	fb->width = m->HorizontalResolution;
	fb->height = m->VerticalResolution;
	fb->stride = m->PixelsPerScanLine;
	fb->size = gop->Mode->FrameBufferSize;
	/* A mode whose lines do not fit its framebuffer is not drawn on. */
	if (!fb->width || !fb->height || fb->stride < fb->width
	    || (uint64_t)fb->stride * fb->height * 4 > fb->size) {
		boot_log("screen: mode %ux%u does not fit its framebuffer",
			 fb->width, fb->height);
		fb->width = fb->height = 0;
		return;
	}
	fb->base = gop->Mode->FrameBufferBase;
	boot_log("screen: %ux%u, framebuffer at 0x%lx (%lu KiB)", fb->width,
		 fb->height, (unsigned long)fb->base,
		 (unsigned long)(fb->size >> 10));
}

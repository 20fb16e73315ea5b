// Image decode/encode/resize through OpenCV. Images cross as HxWxC (C = 3, RGB order) or HxW (grayscale) tensors.
#include "u2pl_torch.h"

#include <cstdlib>
#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace {

enum DecodeMode { Color = 0, Grayscale = 1, Unchanged = 2 };

int cv_depth(at::ScalarType type) {
    switch (type) {
        case at::kByte: return CV_8U;
        case at::kFloat: return CV_32F;
        case at::kShort: return CV_16S;
        default: throw std::invalid_argument(std::string("images must be uint8, int16 or float32, got ") + c10::toString(type));
    }
}

// Wraps a contiguous CPU tensor (HxW or HxWxC) as a Mat without copying.
cv::Mat as_mat(const at::Tensor& image) {
    TORCH_CHECK(image.device().is_cpu(), "images must be on the CPU");
    TORCH_CHECK(image.is_contiguous(), "images must be contiguous");
    TORCH_CHECK(image.dim() == 2 || image.dim() == 3, "images must be HxW or HxWxC, got ", image.dim(), " dims");
    const int channels = image.dim() == 3 ? static_cast<int>(image.size(2)) : 1;
    TORCH_CHECK(channels >= 1 && channels <= 4, "images must have 1 to 4 channels, got ", channels);
    return cv::Mat(static_cast<int>(image.size(0)), static_cast<int>(image.size(1)),
                   CV_MAKETYPE(cv_depth(image.scalar_type()), channels), image.data_ptr());
}

at::Tensor from_mat(const cv::Mat& mat) {
    at::ScalarType type;
    switch (mat.depth()) {
        case CV_8U: type = at::kByte; break;
        case CV_16U: type = at::kInt; break;
        case CV_16S: type = at::kShort; break;
        case CV_32F: type = at::kFloat; break;
        default: throw std::invalid_argument("unsupported image depth");
    }
    cv::Mat source = mat;
    if (mat.depth() == CV_16U) mat.convertTo(source, CV_32S);
    std::vector<int64_t> shape{mat.rows, mat.cols};
    if (mat.channels() > 1) shape.push_back(mat.channels());
    auto tensor = at::empty(shape, at::TensorOptions().dtype(type));
    cv::Mat destination(mat.rows, mat.cols, source.type(), tensor.data_ptr());
    source.copyTo(destination);
    return tensor;
}

}  // namespace

// Decodes an encoded image (PNG, JPEG, ...). Color images come back RGB.
EXPORT_API Tensor THSImage_decode(const uint8_t* bytes, int64_t length, int mode) {
    CATCH_TENSOR(([&] {
        TORCH_CHECK(length > 0, "empty image data");
        cv::Mat encoded(1, static_cast<int>(length), CV_8U, const_cast<uint8_t*>(bytes));
        const int flags = mode == Color ? cv::IMREAD_COLOR : mode == Grayscale ? cv::IMREAD_GRAYSCALE : cv::IMREAD_UNCHANGED;
        cv::Mat decoded = cv::imdecode(encoded, flags);
        TORCH_CHECK(!decoded.empty(), "not a decodable image (corrupt or unsupported format)");
        if (decoded.channels() == 3) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
        else if (decoded.channels() == 4) cv::cvtColor(decoded, decoded, cv::COLOR_BGRA2RGBA);
        return from_mat(decoded);
    }()))
}

// Encodes to the format named by extension (".png", ".jpg"); the buffer is freed with THSImage_free_buffer.
EXPORT_API void THSImage_encode(Tensor image, const char* extension, uint8_t** buffer, int64_t* length) {
    CATCH(
        cv::Mat mat = as_mat(*image);
        cv::Mat bgr;
        if (mat.channels() == 3) cv::cvtColor(mat, bgr, cv::COLOR_RGB2BGR);
        else if (mat.channels() == 4) cv::cvtColor(mat, bgr, cv::COLOR_RGBA2BGRA);
        else bgr = mat;
        std::vector<uint8_t> encoded;
        TORCH_CHECK(cv::imencode(extension, bgr, encoded), "could not encode image as ", extension);
        *buffer = static_cast<uint8_t*>(std::malloc(encoded.size()));
        TORCH_CHECK(*buffer != nullptr, "out of memory");
        std::memcpy(*buffer, encoded.data(), encoded.size());
        *length = static_cast<int64_t>(encoded.size());)
}

EXPORT_API void THSImage_free_buffer(uint8_t* buffer) { std::free(buffer); }

// Resizes an HxW(xC) image; interpolation 0 = nearest (masks), 1 = bilinear.
EXPORT_API Tensor THSImage_resize(Tensor image, int64_t height, int64_t width, int interpolation) {
    CATCH_TENSOR(([&] {
        TORCH_CHECK(height > 0 && width > 0, "resize target must be positive, got ", height, "x", width);
        at::Tensor source = image->contiguous();
        cv::Mat mat = as_mat(source);
        std::vector<int64_t> shape{height, width};
        if (source.dim() == 3) shape.push_back(source.size(2));
        auto result = at::empty(shape, source.options());
        cv::Mat destination(static_cast<int>(height), static_cast<int>(width), mat.type(), result.data_ptr());
        cv::resize(mat, destination, destination.size(), 0, 0, interpolation == 0 ? cv::INTER_NEAREST : cv::INTER_LINEAR);
        return result;
    }()))
}
